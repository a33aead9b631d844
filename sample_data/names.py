"""Name pools by culture, spelling variants and nicknames.

Pools are ordered roughly by frequency; ``zipf_choice`` favours the front of a
list so that very common names (John, Smith, Mohammed, Khan) repeat often.
"""
from __future__ import annotations

import random

# culture -> weight in the population
CULTURE_WEIGHTS = (
    ("english", 58), ("irish", 6), ("scottish", 3), ("polish", 8), ("romanian", 2),
    ("pakistani", 8), ("indian", 4), ("nigerian", 5), ("caribbean", 4), ("somali", 2),
)

ENGLISH_SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Patterson Harris Lewis Hughes Edwards "
    "Turner Hill Cooper Ward Morris Moore Clark Baker Harrison King Morgan Allen Lee Martin "
    "Scott Mitchell Young Phillips Watson Parker Bennett Carter Price Cook Bailey Collins "
    "Shaw Richardson Griffiths Cox Marshall Webb Holmes Chapman Mills Pearson Rogers Palmer "
    "Gray Hunt Matthews Lloyd Hayes Barnes Knight Butler Russell Simpson Dixon Fox Ellis "
    "Stevens Foster Murray Kelly Mason Pickering Hart Booth Pritchard Hammond Sutcliffe "
    "Warburton Ashworth Fairbrother Nightingale Oakley Thistlethwaite Whitworth Bramwell"
).split()
ENGLISH_M_ADULT = (
    "John David Paul Mark Michael Andrew Stephen Richard Robert Christopher James Peter Gary "
    "Ian Steven Darren Lee Wayne Craig Jason Simon Neil Kevin Anthony Daniel Thomas Matthew "
    "Carl Dean Scott Shaun Stuart Martin Philip Graham Kenneth Alan Keith Terence Ryan Liam "
    "Jamie Adam Nathan Ashley Kyle Luke Jordan William Edward Alfred Frederick Joseph"
).split()
ENGLISH_F_ADULT = (
    "Sarah Emma Claire Lisa Nicola Michelle Rebecca Kelly Joanne Laura Amanda Samantha "
    "Elizabeth Katherine Louise Julie Tracey Karen Donna Hayley Gemma Stacey Victoria Jennifer "
    "Rachel Charlotte Jessica Natalie Leanne Kirsty Danielle Zoe Susan Margaret Patricia Deborah "
    "Carol Janet Amy Chloe Jade Shannon Kayleigh Abigail Olivia Megan"
).split()
ENGLISH_M_CHILD = (
    "Oliver Harry Jack George Noah Charlie Jacob Alfie Freddie Oscar Leo Thomas William "
    "Joshua James Archie Henry Theo Max Riley Mason Ethan Logan Lucas Alexander Daniel Samuel "
    "Tyler Kyle Callum Connor Jayden Liam Dylan Frederick Alfred Joseph Ronnie Tommy Reggie "
    "Harrison Mohammed Theodore Edward Louie Bobby Benjamin Matthew"
).split()
ENGLISH_F_CHILD = (
    "Olivia Amelia Isla Ava Mia Emily Isabella Sophia Grace Lily Poppy Ella Evie Sophie "
    "Jessica Chloe Ruby Freya Millie Daisy Phoebe Charlotte Elizabeth Eleanor Harper Ellie "
    "Scarlett Lola Maisie Rosie Summer Holly Erin Megan Lacey Paige Kayleigh Courtney Abigail "
    "Katherine Rebecca Samantha Victoria Madison Alice Florence Willow"
).split()
ENGLISH_MIDDLE_M = "James John Paul David Michael Thomas William Lee Robert Anthony Joseph Edward Alan George Peter".split()
ENGLISH_MIDDLE_F = "Louise Marie Jane Elizabeth Ann Rose Grace May Victoria Anne Lily Jayne Elaine Catherine".split()

CULTURES: dict[str, dict] = {
    "english": dict(
        surnames=ENGLISH_SURNAMES, m_adult=ENGLISH_M_ADULT, f_adult=ENGLISH_F_ADULT,
        m_child=ENGLISH_M_CHILD, f_child=ENGLISH_F_CHILD, mid_m=ENGLISH_MIDDLE_M,
        mid_f=ENGLISH_MIDDLE_F, p_middle=0.7,
    ),
    "irish": dict(
        surnames="Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill Doyle McCarthy Gallagher Doherty Kennedy Lynch Quinn Brennan Ó Briain Maguire Flanagan Donnelly".split(),
        m_adult="Seán Patrick Michael Declan Ciarán Eoin Padraig Liam Conor Kevin Brendan Dermot Niall Cathal Donal".split(),
        f_adult="Siobhán Niamh Aoife Róisín Mary Bridget Caoimhe Sinéad Orla Deirdre Máire Grainne Clodagh Aisling Eileen".split(),
        m_child="Cian Oisín Darragh Seán Conor Finn Rory Cillian Tadhg Liam Jack Patrick".split(),
        f_child="Saoirse Aoife Niamh Róisín Caoimhe Ciara Aisling Orla Erin Clodagh Éabha Síofra".split(),
        mid_m="Patrick Joseph Michael Francis Thomas".split(), mid_f="Mary Bridget Anne Teresa Bernadette".split(),
        p_middle=0.6,
    ),
    "scottish": dict(
        surnames="MacDonald Campbell Stewart Robertson Thomson Anderson Reid Murray Ross Fraser McKenzie MacLeod Hamilton Graham Ferguson".split(),
        m_adult="Alistair Hamish Angus Callum Fraser Ewan Iain Duncan Gordon Kenneth Craig Stuart".split(),
        f_adult="Morag Fiona Kirsty Ailsa Catriona Mhairi Isla Eilidh Shona Heather".split(),
        m_child="Lewis Cameron Finlay Euan Ruaridh Callum Lachlan Fraser".split(),
        f_child="Isla Eilidh Skye Ava Orla Freya Iona Ailsa".split(),
        mid_m="James John Alexander".split(), mid_f="Anne Margaret Jean".split(), p_middle=0.6,
    ),
    "polish": dict(
        surnames="Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Krawczyk Król Piotrowski Grabowski Pawłowski Michalski".split(),
        m_adult="Piotr Krzysztof Andrzej Tomasz Paweł Marcin Michał Grzegorz Łukasz Wojciech Jakub Mariusz Dariusz Rafał Sławomir".split(),
        f_adult="Anna Katarzyna Małgorzata Agnieszka Joanna Magdalena Ewa Barbara Monika Aleksandra Dorota Beata Żaneta Justyna Krystyna".split(),
        m_child="Jakub Szymon Filip Kacper Antoni Jan Mikołaj Wiktor Oliwer Franciszek Łukasz Bartosz".split(),
        f_child="Zuzanna Julia Maja Zofia Hanna Lena Alicja Oliwia Amelia Wiktoria Natalia Gabriela".split(),
        mid_m="Jan Piotr Adam Paweł".split(), mid_f="Maria Anna Ewa Teresa".split(), p_middle=0.4,
    ),
    "romanian": dict(
        surnames="Popescu Ionescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Munteanu Constantin".split(),
        m_adult="Andrei Ionuț Mihai Alexandru Florin Gheorghe Cristian Marius Adrian Ștefan".split(),
        f_adult="Elena Ioana Maria Andreea Mihaela Alexandra Ana Georgiana Cristina Loredana".split(),
        m_child="David Luca Matei Ștefan Darius Rareș Andrei Gabriel".split(),
        f_child="Sofia Ioana Maria Daria Ana Bianca Alesia Eva".split(),
        mid_m="Ion Vasile".split(), mid_f="Maria Elena".split(), p_middle=0.3,
    ),
    "pakistani": dict(
        surnames="Khan Hussain Ahmed Ali Shah Iqbal Rashid Akhtar Mahmood Malik Butt Bibi Mirza Qureshi Anwar Chaudhry Raza Aslam".split(),
        m_adult="Mohammed Muhammad Imran Tariq Asif Zahid Shahid Naveed Kamran Abdul Bilal Faisal Irfan Usman Yasir".split(),
        f_adult="Nasreen Shazia Fatima Ayesha Samina Rubina Nadia Saima Bushra Farzana Shabana Sadia Naila Amina Kausar".split(),
        m_child="Muhammad Mohammed Ibrahim Yusuf Ayaan Zain Hamza Adam Ali Musa Rayyan Haris Zakariya Umar".split(),
        f_child="Maryam Aisha Zara Hafsa Inaya Eman Khadija Fatima Aleena Hania Zainab Safa Amira".split(),
        mid_m="Ali Hussain Ahmed Mohammed".split(), mid_f="Bibi Begum Noor".split(), p_middle=0.35,
    ),
    "indian": dict(
        surnames="Patel Singh Kaur Sharma Kumar Shah Mistry Gill Sandhu Parmar Chauhan Joshi Desai Mehta Rai".split(),
        m_adult="Rajesh Sanjay Amit Vijay Harpreet Gurpreet Sunil Ravi Deepak Nitin Mahesh Jaswinder Kuldip".split(),
        f_adult="Priya Anita Sunita Kamaljit Rupinder Neha Pooja Asha Manjit Harjit Sangeeta Meena Seema".split(),
        m_child="Arjun Aarav Krish Rohan Dev Veer Jai Harjot Ishaan Rishi Aryan".split(),
        f_child="Anaya Diya Priya Simran Jasmine Riya Asha Navpreet Meera Aisha Isha".split(),
        mid_m="Kumar Singh".split(), mid_f="Kaur Devi".split(), p_middle=0.5,
    ),
    "nigerian": dict(
        surnames="Adeyemi Okafor Okonkwo Adebayo Oluwole Balogun Eze Nwosu Ogunleye Bello Chukwu Afolabi Okoro Abiodun Olawale Ibrahim Obi".split(),
        m_adult="Oluwaseun Chukwuemeka Adebayo Olumide Emeka Babatunde Chidi Tunde Obinna Femi Segun Kehinde Taiwo Ikenna Uche".split(),
        f_adult="Blessing Ngozi Adaeze Folasade Oluwakemi Chiamaka Funmilayo Yetunde Nkechi Abimbola Omolara Bukola Chinwe Temitope Ifeoma".split(),
        m_child="David Daniel Oluwatobi Tobenna Ayomide Emmanuel Favour Chinedu Praise Samuel Joshua Ebuka".split(),
        f_child="Precious Favour Deborah Oluwadamilola Chidinma Esther Tiwatope Anointed Adaora Grace Divine Mercy".split(),
        mid_m="Oluwaseun Chukwudi Ayodele Olumide Tobechukwu".split(), mid_f="Adaeze Oluwaseyi Folake Ngozi Chioma".split(),
        p_middle=0.8,
    ),
    "caribbean": dict(
        surnames="Campbell Williams Brown Clarke Samuels Johnson Thomas Francis Grant Reid Henry Bailey Stewart Lewis James Gordon".split(),
        m_adult="Marcus Tyrone Delroy Winston Leroy Andre Errol Clive Trevor Dwayne Jermaine Garfield Devon Leon".split(),
        f_adult="Shanice Marcia Sharon Beverley Paulette Jacqueline Keisha Yvonne Donna Sonia Tanisha Simone Janelle".split(),
        m_child="Tyrese Jaden Malachi Kairo Reuben Josiah Elijah Isaiah Zion Kai Jayden Micah".split(),
        f_child="Amara Nia Imani Aaliyah Kiara Tiana Jada Shanaya Zuri Naomi Malia Leah".split(),
        mid_m="Anthony Junior Lloyd George".split(), mid_f="Marie Louise Grace Patricia".split(), p_middle=0.6,
    ),
    "somali": dict(
        surnames="Mohamed Ali Hassan Abdi Ahmed Warsame Farah Osman Ibrahim Yusuf Aden Jama Omar Nur Hussein".split(),
        m_adult="Abdirahman Mohamed Abdullahi Hassan Ahmed Abdi Yusuf Omar Ibrahim Liban Mustafe".split(),
        f_adult="Fadumo Hodan Amina Sahra Halima Ifrah Asha Khadra Nimo Hibo Ayan".split(),
        m_child="Abdirahman Mohamed Ayub Hamza Yusuf Ilyas Sami Bilal Anas".split(),
        f_child="Hafsa Sumaya Ifrah Nasra Maryan Safiya Hamda Iman Layla".split(),
        mid_m="Mohamed Ahmed Ali".split(), mid_f="Mohamed Ahmed Ali".split(), p_middle=0.5,
    ),
}

# Polish surnames take a feminine form.
POLISH_FEM = {"ski": "ska", "cki": "cka", "dzki": "dzka"}


def feminine_surname(surname: str, culture: str) -> str:
    if culture == "polish":
        for m, f in POLISH_FEM.items():
            if surname.endswith(m):
                return surname[: -len(m)] + f
    return surname


def masculine_surname(surname: str, culture: str) -> str:
    if culture == "polish":
        for m, f in POLISH_FEM.items():
            if surname.endswith(f):
                return surname[: -len(f)] + m
    return surname


def zipf_choice(rng: random.Random, seq, s: float = 1.0):
    # weights 1/(k+1)^s, sampled by rejection-free inverse over a small list
    n = len(seq)
    # pre-computed cumulative weights per (len, s) pair
    key = (n, s)
    cum = _ZIPF_CACHE.get(key)
    if cum is None:
        acc = 0.0
        cum = []
        for k in range(n):
            acc += 1.0 / (k + 1) ** s
            cum.append(acc)
        _ZIPF_CACHE[key] = cum
    x = rng.random() * cum[-1]
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return seq[lo]


_ZIPF_CACHE: dict = {}

# Spelling variants a clerk may write for the same name (both directions).
_VARIANT_GROUPS = (
    "Mohammed Muhammad Mohammad Mohamed Mohamad", "Aisha Ayesha Aysha", "Hussain Hussein Husain",
    "Ahmed Ahmad", "Yusuf Yousef Yusef", "Fatima Fatimah", "Katherine Catherine Kathryn",
    "Sean Shaun Shawn", "Seán Sean Shaun", "Stephen Steven", "Zoe Zoë", "Jayden Jaden Jaiden",
    "Kayleigh Kayley Kaylee", "Aiden Aidan Ayden", "Nicola Nichola", "Leanne Lianne",
    "Tracey Tracy", "Lee Leigh", "Philip Phillip", "Jeffrey Geoffrey", "Louise Louisa",
    "Davies Davis", "Thompson Thomson", "Phillips Philips", "MacDonald McDonald Macdonald",
    "McKenzie MacKenzie Mackenzie", "Clarke Clark", "Matthews Mathews", "Ann Anne",
    "Jayne Jane", "Isabella Isabela", "Sophia Sofia", "Amelia Amelie", "Freddie Freddy",
    "Ellie Elly", "Oliwia Olivia", "Oliwer Oliver", "Hannah Hanna", "Sarah Sara",
    "Rachel Rachael", "Gemma Jemma", "Carl Karl", "Mohamed Mohammed Maxamed", "Abdi Abdy",
    "Chukwuemeka Chukwuma", "Adeyemi Adeyemy", "Oluwaseun Oluseun", "Malik Malick",
    "Qureshi Kureshi", "Chaudhry Chaudhary Choudhury", "Siobhán Siobhan Shivaun",
)
VARIANTS: dict[str, tuple] = {}
for _g in _VARIANT_GROUPS:
    _ws = _g.split()
    for _w in _ws:
        VARIANTS[_w] = tuple(sorted(set(VARIANTS.get(_w, ())) | {x for x in _ws if x != _w}))

# Short forms in everyday British use (checked before the nicknames package,
# which is US-centred).
UK_NICKNAMES = {
    "Olivia": ("Liv", "Livvy", "Liv"), "Alfred": ("Alfie", "Alf"), "John": ("Johnny", "Jon", "Jack"),
    "William": ("Will", "Billy", "Liam"), "Thomas": ("Tom", "Tommy"), "Elizabeth": ("Liz", "Beth", "Lizzie", "Libby"),
    "Margaret": ("Maggie", "Peggy", "Maggie"), "Katherine": ("Kate", "Katie", "Kath"), "Catherine": ("Cath", "Kate", "Cathy"),
    "Rebecca": ("Becky", "Becca"), "Jennifer": ("Jenny", "Jen"), "Samantha": ("Sam", "Sammy"),
    "Daniel": ("Danny", "Dan"), "Michael": ("Mike", "Mick", "Micky"), "Robert": ("Rob", "Bob", "Bobby", "Robbie"),
    "James": ("Jim", "Jamie", "Jimmy"), "Joseph": ("Joe", "Joey"), "Christopher": ("Chris",),
    "Matthew": ("Matt",), "Anthony": ("Tony", "Ant"), "Alexander": ("Alex", "Xander"), "Benjamin": ("Ben", "Benji"),
    "Samuel": ("Sam", "Sammy"), "Joshua": ("Josh",), "Charlotte": ("Charlie", "Lottie"), "Eleanor": ("Ellie", "Nell"),
    "Isabella": ("Bella", "Izzy"), "Abigail": ("Abbie", "Abi"), "Amelia": ("Millie", "Mia"), "Henry": ("Harry", "Hal"),
    "Frederick": ("Freddie", "Fred"), "Edward": ("Eddie", "Ted", "Ed"), "Theodore": ("Theo", "Teddy"),
    "Jessica": ("Jess", "Jessie"), "Victoria": ("Vicky", "Tori"), "Nicola": ("Nicky", "Nic"), "Deborah": ("Debbie", "Debs"),
    "Susan": ("Sue", "Susie"), "Patricia": ("Pat", "Trish"), "Stephen": ("Steve",), "Steven": ("Steve",),
    "David": ("Dave", "Davey"), "Richard": ("Rich", "Richie"), "Andrew": ("Andy", "Drew"), "Kenneth": ("Ken", "Kenny"),
    "Terence": ("Terry", "Tel"), "Philip": ("Phil",), "Gary": ("Gaz",), "Darren": ("Daz",), "Leanne": ("Lea",),
    "Danielle": ("Dani",), "Natalie": ("Nat",), "Gemma": ("Gem",), "Rachel": ("Rach",), "Michelle": ("Shell", "Chelle"),
    "Amanda": ("Mandy",), "Jacqueline": ("Jackie",), "Beverley": ("Bev",), "Emily": ("Em", "Emmy"),
    "Sophie": ("Soph",), "Florence": ("Flo", "Florrie"), "Phoebe": ("Phoebs",), "Alice": ("Ally",),
    "Harrison": ("Harry",), "Archibald": ("Archie",), "Oliver": ("Ollie", "Olly"), "Louie": ("Lou",),
    "Małgorzata": ("Gosia", "Małgosia"), "Katarzyna": ("Kasia",), "Aleksandra": ("Ola",), "Agnieszka": ("Aga",),
    "Wojciech": ("Wojtek",), "Grzegorz": ("Grzesiek",), "Magdalena": ("Magda",), "Tomasz": ("Tomek",),
    "Jakub": ("Kuba",), "Zuzanna": ("Zuzia",), "Krzysztof": ("Krzysiek",), "Mikołaj": ("Mikołajek",),
    "Oluwaseun": ("Seun",), "Oluwatobi": ("Tobi",), "Adebayo": ("Bayo",), "Chukwuemeka": ("Emeka",),
    "Oluwadamilola": ("Dami", "Lola"), "Babatunde": ("Tunde",), "Oluwakemi": ("Kemi",), "Funmilayo": ("Funmi",),
    "Folasade": ("Sade",), "Abimbola": ("Bimbo",), "Temitope": ("Tope",), "Chiamaka": ("Amaka",),
    "Mohammed": ("Mo",), "Muhammad": ("Mo",), "Ibrahim": ("Ibby",), "Abdirahman": ("Abdi",), "Zakariya": ("Zak",),
    "Alexandru": ("Alex",), "Gheorghe": ("George",), "Cameron": ("Cam",),
    "Alistair": ("Ally",), "Patrick": ("Paddy", "Pat"), "Bridget": ("Bridie",), "Malachi": ("Kai",),
    "Jermaine": ("Jay",), "Tyrone": ("Ty",), "Tyrese": ("Ty",), "Courtney": ("Court",), "Kayleigh": ("Kay",),
    "Callum": ("Cal",), "Connor": ("Con",), "Jacob": ("Jake",), "Reginald": ("Reggie",), "Ronald": ("Ronnie",),
}

_NICKNAMER = None
_NICK_CACHE: dict = {}


def nicknames_for(name: str) -> tuple:
    """Short forms of ``name``: the UK table first, then the nicknames package."""
    got = _NICK_CACHE.get(name)
    if got is not None:
        return got
    if name in UK_NICKNAMES:
        out = UK_NICKNAMES[name]
    else:
        global _NICKNAMER
        if _NICKNAMER is None:
            from nicknames import NickNamer
            _NICKNAMER = NickNamer()
        raw = sorted(_NICKNAMER.nicknames_of(name.lower()))
        out = tuple(n.capitalize() for n in raw if len(n) >= 3 and n[0] == name[0].lower())[:3]
    _NICK_CACHE[name] = out
    return out


_ASCII_FOLD = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
    "ą": "a", "Ą": "A", "ę": "e", "Ę": "E", "ś": "s", "Ś": "S", "ź": "z", "Ź": "Z", "ż": "z", "Ż": "Z",
    "ć": "c", "Ć": "C", "ń": "n", "Ń": "N", "ó": "o", "Ó": "O", "á": "a", "Á": "A", "é": "e", "É": "E",
    "í": "i", "Í": "I", "ú": "u", "Ú": "U", "ë": "e", "ï": "i", "ö": "o", "ü": "u", "ä": "a",
    "ș": "s", "Ș": "S", "ț": "t", "Ț": "T", "ă": "a", "Ă": "A", "â": "a", "Â": "A", "î": "i", "Î": "I",
})


def fold_ascii(s: str) -> str:
    """Drop diacritics the way an ASCII-only system does."""
    if s.isascii():
        return s
    return s.translate(_ASCII_FOLD)
