"""A fictional county: towns, streets, properties (houses, converted flats,
blocks of flats, infill ``14a`` houses), postcodes and UPRNs."""
from __future__ import annotations

import random

# town -> postcode districts (fictional towns, plausible East Midlands codes)
TOWNS = (
    ("Wexley", ("LE11", "LE12"), 20),
    ("Stanmoor", ("LE15",), 10),
    ("Harrowby Cross", ("NG31", "NG32"), 14),
    ("Brindlecombe", ("DE12",), 8),
    ("Thurlston", ("LE9", "LE10"), 12),
    ("Pelham Bridge", ("NG24",), 10),
    ("Ockley Green", ("LE67",), 6),
    ("Castle Amberley", ("DE74",), 7),
    ("Norbury Fen", ("PE11",), 6),
)

STREET_BASES = (
    "Mill Church Station High Victoria Albert Queens Kings Park Chapel School Orchard Meadow "
    "Ash Oak Elm Beech Hawthorn Willow Chestnut Rowan Hazel Holly Laurel Cedar Poplar Sycamore "
    "Windsor York Stanley Clarence Alexandra Grange Manor Abbey Priory Bridge Brook Canal Wharf "
    "Forge Tannery Foundry Cobden Gladstone Nelson Wellington Milton Shelley Byron Tennyson Keats "
    "Dickens Hardy Eliot Bronte Austen Ruskin Morris Cromwell Fairfax Ferrers Beaumont Grey Hastings "
    "Spencer Rutland Melton Oakham Uppingham Belvoir Charnwood Bradgate Swithland Quorn Barrow "
    "Sileby Rothley Cossington Syston Thurmaston Wigston Kibworth Fleckney Bosworth Hinckley Ibstock "
    "Coalville Ashby Measham Moira Donisthorpe Packington Worthington Breedon Kegworth Castle "
    "Hall Farm Field Green Hill Vale Wood Lark Kestrel Heron Swallow Plover Linnet Wren Falcon"
).split()
STREET_TYPES = (
    ("Road", 30), ("Street", 22), ("Avenue", 8), ("Gardens", 5), ("Close", 10), ("Drive", 8),
    ("Lane", 9), ("Way", 4), ("Grove", 4), ("Crescent", 4), ("Terrace", 3), ("Place", 2),
)
ABBREV = {
    "Road": ("Rd",), "Street": ("St", "Str"), "Avenue": ("Ave", "Av"), "Gardens": ("Gdns", "Gdn"),
    "Close": ("Cl",), "Drive": ("Dr",), "Lane": ("Ln", "La"), "Way": ("Wy",), "Grove": ("Gr", "Gro"),
    "Crescent": ("Cres", "Cresc"), "Terrace": ("Terr", "Ter"), "Place": ("Pl",), "Court": ("Ct",),
    "House": ("Ho",),
}
BLOCK_NAMES = (
    "Kestrel Court", "Heron House", "Beech Court", "Victoria Mansions", "Mill House", "Albion Court",
    "Nightingale House", "Falcon Court", "Orchard House", "Priory Court", "Canal View", "Willow Court",
    "Foundry House", "Meadow Court", "Swallow House", "Tannery Court", "St Johns Court", "Linden House",
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
QUALIFIERS = ("Upper", "Lower", "North", "South", "East", "West", "Old", "New", "Little", "Great", "Far", "Middle")


class Address:
    __slots__ = ("idx", "aid", "uprn", "flat", "building", "number", "suffix", "street", "stype",
                 "town", "postcode", "kind", "street_key")

    def number_str(self) -> str:
        return "%d%s" % (self.number, self.suffix)


class Places:
    """Address pool.  ``take()`` hands out unoccupied properties at random."""

    def __init__(self, rng: random.Random, n_addresses: int, uprns: set):
        self.rng = rng
        self.addresses: list[Address] = []
        self.by_street: dict = {}  # (town, street) -> {number: [Address]}
        self.free: dict = {}  # town -> list of free addresses (popped from end)
        self.town_names = [t[0] for t in TOWNS]
        self.town_weights = [t[2] for t in TOWNS]
        types = [t[0] for t in STREET_TYPES]
        type_w = [t[1] for t in STREET_TYPES]
        used_pc: set = set()
        total_w = sum(self.town_weights)
        # the same street name in several towns
        shared = {}
        for name, k in (("Mill Lane", 2), ("Station Road", 3), ("Church Street", 2), ("High Street", 4),
                        ("Victoria Road", 2), ("Park Avenue", 2)):
            for town in rng.sample(self.town_names, k):
                shared.setdefault(town, []).append(name)
        self.used_districts = {d for _, ds, _ in TOWNS for d in ds}
        for town, districts, w in TOWNS:
            districts = list(districts)
            target = max(60, n_addresses * w // total_w)
            made = 0
            used_names: set = set()
            fixed = list(shared.get(town, ()))
            misses = 0
            while made < target:
                if fixed:
                    name = fixed.pop(0)
                    base, stype = name.rsplit(" ", 1)
                else:
                    base = rng.choice(STREET_BASES)
                    stype = rng.choices(types, type_w)[0]
                    if misses > 20:  # a big town runs out of plain names
                        base = rng.choice(QUALIFIERS) + " " + base
                    name = base + " " + stype
                    if name in used_names:
                        misses += 1
                        continue
                used_names.add(name)
                made += self._make_street(town, districts, base, stype, uprns, used_pc)
        for town in self.town_names:
            lst = self.free.get(town, [])
            rng.shuffle(lst)

    def _make_street(self, town, districts, base, stype, uprns, used_pc) -> int:
        rng = self.rng
        street = base + " " + stype
        key = (town, street)
        numbers: dict = {}
        self.by_street[key] = numbers
        length = rng.randint(6, 60) if stype not in ("Close", "Place", "Court") else rng.randint(5, 24)
        district = rng.choice(districts)
        pc = None
        count = 0
        n = 1
        misses = 0
        while n <= length:
            if pc is None or rng.random() < 0.08:
                while True:
                    pc = "%s %d%s%s" % (district, rng.randint(0, 9), rng.choice(INWARD_LETTERS), rng.choice(INWARD_LETTERS))
                    if pc not in used_pc:
                        used_pc.add(pc)
                        break
                    misses += 1
                    if misses > 40:  # district full: open a new one
                        district = self._new_district(district)
                        districts.append(district)
                        misses = 0
            r = rng.random()
            here = []
            if r < 0.07:  # house converted into flats
                for f in range(1, rng.randint(2, 4) + 1):
                    here.append(self._add(town, street, stype, key, n, "", str(f), "", pc, "flat", uprns))
            elif r < 0.095:  # purpose-built block at this number
                bname = rng.choice(BLOCK_NAMES)
                for f in range(1, rng.randint(6, 24) + 1):
                    here.append(self._add(town, street, stype, key, n, "", str(f), bname, pc, "block_flat", uprns))
            else:
                here.append(self._add(town, street, stype, key, n, "", "", "", pc, "house", uprns))
                if rng.random() < 0.012:  # infill house 14a next to 14
                    here.append(self._add(town, street, stype, key, n, "a", "", "", pc, "house", uprns))
            numbers[n] = here
            count += len(here)
            n += 1
        return count

    def _new_district(self, district: str) -> str:
        area = district.rstrip("0123456789")
        for n in range(20, 100):
            d = f"{area}{n}"
            if d not in self.used_districts:
                self.used_districts.add(d)
                return d
        raise RuntimeError("postcode area full")

    def _add(self, town, street, stype, key, number, suffix, flat, building, pc, kind, uprns) -> Address:
        a = Address()
        a.idx = len(self.addresses)
        a.aid = "AD%07d" % (a.idx + 1)
        from .ids import make_uprn
        a.uprn = make_uprn(self.rng, uprns)
        a.flat, a.building, a.number, a.suffix = flat, building, number, suffix
        a.street, a.stype, a.town, a.postcode, a.kind, a.street_key = street, stype, town, pc, kind, key
        self.addresses.append(a)
        self.free.setdefault(town, []).append(a)
        return a

    def take(self, town: str | None = None) -> Address:
        if town is None:
            town = self.rng.choices(self.town_names, self.town_weights)[0]
        lst = self.free[town]
        if not lst:
            for t in self.town_names:
                if self.free[t]:
                    lst = self.free[t]
                    break
            else:
                raise RuntimeError("address pool exhausted")
        return lst.pop()

    def neighbour(self, a: Address) -> Address | None:
        """A different property next door (number +-1, or another flat at the same number)."""
        numbers = self.by_street[a.street_key]
        rng = self.rng
        if a.flat and rng.random() < 0.5:
            others = [x for x in numbers[a.number] if x is not a]
            if others:
                return rng.choice(others)
        for d in rng.sample((-1, 1, 2, -2), 4):
            got = numbers.get(a.number + d)
            if got:
                return rng.choice(got)
        return None
