"""Free-text fragments for summaries and notes.

Some deliberately hold commas, double quotes, line breaks and markup-like
text (``<b>``, ``</script>``, ``&amp;``, a leading ``=``) so that readers,
exporters and report renderers are exercised.
"""
from __future__ import annotations

import random

TAILS = (
    "", "", "", "", "", "", "", "",
    " Follow-up booked; DSL informed.",
    "\nInformation shared with MASH, consent not sought (risk of harm).",
    ' Child said "I don\'t want to go home".',
    " Mum stated \"it was an accident, he fell off the sofa\".",
    "\nSecond line of the note,\nand a third after a break.",
    " <b>URGENT</b> - see attached.",
    " Copied from portal: <script>alert('x')</script> removed by system.",
    " Parent's view: \"we're fine, leave us alone\" & refused entry.",
    " Tom &amp; Jerry plaster on arm &lt;left&gt;.",
    "\n=HYPERLINK(\"http://example.invalid\",\"ref\") pasted by mistake.",
    " Notes: 1) seen, 2) spoken to alone, 3) safety plan.",
    "</td></tr> formatting left in from e-mail.",
)


def tail(rng: random.Random) -> str:
    return rng.choice(TAILS)


POLICE = {
    "DOMESTIC": (
        "Verbal argument between {a} and {b} escalated, neighbours called police. Children present.",
        "Domestic incident at home address; {b} reports being pushed by {a}. DASH risk: {risk}.",
        "Call from {b}: {a} damaging property, shouting. {kids} in the house at the time.",
        "{a} attended ex-partner's address, refused to leave. DASH: {risk}. Children asleep upstairs.",
    ),
    "ARREST": (
        "{a} arrested on suspicion of assault occasioning ABH.",
        "{a} arrested for criminal damage and public order offences.",
        "{a} arrested, breach of non-molestation order.",
        "{a} arrested in connection with theft from a motor vehicle.",
        "{a} arrested on suspicion of possession of an offensive weapon.",
    ),
    "CHARGE": (
        "{a} charged with assault by beating, remanded to court.",
        "{a} charged following investigation; file passed to CPS.",
        "{a} charged with controlling or coercive behaviour.",
    ),
    "BAIL": (
        "{a} released on conditional bail pending court.",
        "{a} bailed to return; conditions imposed.",
        "Pre-charge bail granted to {a}.",
    ),
    "CONVICTION": (
        "{a} convicted at magistrates' court: {offence}.",
        "{a} found guilty at Crown Court: {offence}.",
        "{a} pleaded guilty: {offence}.",
    ),
    "MISPER": (
        "{c} reported missing by {b}, found {hrs} hours later in town centre.",
        "{c} missing overnight, returned of own accord. Return home interview offered.",
        "{c} missing from home, located at a friend's address.",
    ),
    "POLICE PROTECTION": (
        "Police powers of protection used for {kids}; home conditions dangerous, {b} intoxicated.",
        "{kids} removed under police protection after {b} found unconscious.",
    ),
    "CONCERN FOR WELFARE": (
        "Concern for welfare of {c}: seen out late and alone, returned home to {b}.",
        "Neighbour reports {c} crying for long periods, no adult answering door.",
        "Concern for welfare of {b}; children {kids} at home.",
        "Caller concerned {c} left alone in car outside shop.",
    ),
    "SEXUAL OFFENCE": (
        "Allegation of sexual assault made by or on behalf of {c}; suspect named as {a}.",
        "Online grooming report concerning {c}; messages from adult identified as {a}.",
    ),
}
BAIL_CONDITIONS = (
    "RESIDE AT BAIL ADDRESS",
    "RESIDE AT BAIL ADDRESS; NOT TO CONTACT VICTIM DIRECTLY OR INDIRECTLY",
    "RESIDE AT BAIL ADDRESS; CURFEW 21:00-07:00 AT BAIL ADDRESS",
    "RESIDE AT BAIL ADDRESS; NO UNSUPERVISED CONTACT WITH CHILDREN UNDER 16",
    "RESIDE AT BAIL ADDRESS; NOT TO CONTACT VICTIM DIRECTLY OR INDIRECTLY; NOT TO ENTER STREET OF VICTIM'S HOME",
)
BAIL_NO_RESIDENCE = ("REPORT TO POLICE STATION WEEKLY", "NOT TO CONTACT VICTIM DIRECTLY OR INDIRECTLY", "SURRENDER PASSPORT")
OFFENCES = {
    "sexual": ("Making indecent images of children", "Sexual assault of a child under 13", "Sexual communication with a child", "Rape"),
    "violence": ("Assault occasioning actual bodily harm", "Wounding with intent", "Affray", "Possession of a bladed article"),
    "dv": ("Controlling or coercive behaviour", "Assault by beating (domestic)", "Breach of non-molestation order", "Stalking"),
    "acquisitive": ("Theft from shop", "Burglary dwelling", "Fraud by false representation", "Handling stolen goods"),
    "other": ("Possession with intent to supply class A", "Drink driving", "Criminal damage", "Public order offence"),
}

GP = {
    "GP Appointment": ("Routine review, {x}.", "Seen with cough and cold, advised fluids.", "Asthma review, inhaler technique checked.",
                       "Eczema flare, emollients prescribed.", "Low mood, talking therapies discussed.", "Medication review."),
    "A&E Attendance": ("A&E attendance late evening, {inj}, brought by {who}.", "A&E: head injury after fall, discharged.",
                       "Attended A&E intoxicated, aged {age}.", "A&E: {inj}, explanation inconsistent with injury."),
    "DNA": ("Was not brought to appointment (2nd time).", "DNA paediatric outpatient clinic.", "Not brought to dental appointment."),
    "Missed Immunisation": ("Missed {imm} immunisations, letter sent.", "Immunisations overdue, parent not responding to calls."),
    "Injury": ("Bruising to {site}, parent says fell at play.", "Burn to hand, delay in seeking treatment.", "{inj} noted at review."),
    "Safeguarding Concern": ("Safeguarding concern: {x}.", "Disclosure to practice nurse about home, MASH informed.",
                             "Concern re parent's alcohol use and care of children."),
    "Health Visitor Contact": ("HV new birth visit, mum tired, home cluttered.", "HV 1 year review, weight faltering.",
                               "HV contact, no concerns.", "HV: mum low mood, EPDS score high."),
    "School Nurse Contact": ("School nurse drop-in, self-harm disclosed.", "School nurse: enuresis, poor hygiene.", "School nurse review, no concerns."),
    "CAMHS Referral": ("Referred to CAMHS, anxiety and self-harm.", "CAMHS referral: behaviour, possible ADHD."),
}
GP_FILL = dict(
    x=("weight faltering", "poor hygiene", "unexplained bruising", "parent smelled of alcohol", "developmental delay", "no concerns"),
    inj=("a scald", "facial bruising", "a spiral fracture", "a fractured wrist", "a cut to the head", "bruising to the ear"),
    who=("mum", "dad", "grandmother", "mum's partner", "a neighbour"),
    imm=("12 month", "pre-school", "6-in-1", "MMR"),
    site=("upper arm", "cheek", "back", "shins", "torso"),
)
CLINICIANS = ("Dr A Khan", "Dr S Patel", "Dr M Thompson", "Dr E Morgan", "Dr K Nowak", "Dr O Adebayo", "Dr R Hughes",
              "Nurse P Evans", "Practice Nurse L Green")
HV_CLINICIANS = ("HV J Moore", "HV S Ahmed", "HV T Walsh")
ED_CLINICIANS = ("ED Triage Nurse", "ED Dr B Fox", "ED Dr C Obi")

SCHOOL = {
    "Attendance": ("Attendance below {pct}% this half term, letter sent home.", "Late every day this week, tired.",
                   "Unauthorised absence, term-time holiday."),
    "Disclosure": ("{c} disclosed that {adult} hits them when angry.", "{c} said there is no food at home.",
                   "{c} told TA that mum's boyfriend shouts at night."),
    "Injury": ("Bruise on {site} noticed in PE, {c} said fell.", "Mark on face, explanation changed twice."),
    "Neglect": ("Same uniform all week, hungry, head lice untreated.", "No coat in winter, asking other children for food."),
    "HSB": ("Sexualised language and behaviour towards younger pupils.", "Incident of harmful sexual behaviour on field."),
    "Exclusion": ("Fixed term exclusion, {n} days, physical assault on staff.", "Suspended for bringing a knife to school."),
    "CME": ("Not attended for 10 days, family not at address.", "Removed from roll, whereabouts unknown."),
    "Referral to MASH": ("Referral to MASH, concerns about home conditions.", "Referral to MASH after disclosure."),
    "Other": ("Parent aggressive at school gate.", "Collected by unknown adult, not on contact list.", "Upset in class, talked to DSL."),
}
SCHOOL_ACTIONS = ("DSL informed", "Logged and monitored", "Phone call home, no answer", "Referral to MASH", "Early help offered",
                  "Meeting with parent booked", "Spoken to child, will monitor")

CSC_NOTES = {
    "Contact": ("Police notification of domestic incident.", "Contact from school re {x}.", "Health visitor contact re {x}.",
                "Anonymous contact from neighbour."),
    "Referral": ("Referral accepted, threshold met for assessment.", "Referral from {agency}.", "Re-referral: previous concerns."),
    "Strategy Discussion": ("Strategy discussion held with police and health.", "Strategy: threshold for S47 met."),
    "S47 Enquiry": ("S47 enquiry, child seen alone.", "S47 joint visit with police."),
    "C&F Assessment": ("Child and family assessment.", "Assessment: {x}.", "Single assessment, home visit completed."),
    "ICPC": ("Initial child protection conference, category {cat}.",),
    "RCPC": ("Review child protection conference.",),
    "Core Group": ("Core group meeting, plan reviewed.", "Core group: parent did not attend."),
    "CP Plan": ("Child protection plan, category {cat}.",),
    "CIN Plan": ("Child in need plan.",),
    "Legal Planning Meeting": ("Legal gateway meeting, threshold discussed.",),
    "PLO": ("Pre-proceedings letter issued.",),
    "LAC": ("Accommodated, foster placement.", "S20 accommodation with family friend."),
    "Closure": ("Case closed.", "Case closed, step down to universal services."),
}
CSC_FILL = dict(
    x=("neglect", "domestic abuse", "parental substance misuse", "unexplained injury", "poor school attendance", "parental mental health"),
    agency=("police", "school", "health visitor", "GP", "housing", "probation"),
    cat=("Neglect", "Physical abuse", "Emotional abuse", "Sexual abuse"),
)

MASH = (
    "{c} disclosed that mum's boyfriend shouts and hits. Lives with {adult}.",
    "Police attended domestic incident; {c} present. Suspect {adult}.",
    "Neighbour concerned {c} is left alone for long periods.",
    "Health visitor concerned about weight loss and missed appointments.",
    "School report: {c} arrived with bruising, said \"don't tell\".",
    "Probation: {adult} now living at the address where {c} lives.",
)

HOUSING_RELS_CHILD = {"M": "son", "F": "daughter"}


def fill(rng: random.Random, template: str, table: dict, **kw) -> str:
    for k, v in table.items():
        tok = "{" + k + "}"
        if tok in template:
            template = template.replace(tok, rng.choice(v))
    for k, v in kw.items():
        template = template.replace("{" + k + "}", str(v))
    return template
