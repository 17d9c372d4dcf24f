"""Made-up people for the demo: deterministic, so a second load finds the same ones."""

import random

FIRST_NAMES = (
    "Ann Ben Chloe Dev Elena Farid Grace Hugo Ines Jamal Kira Liam Mei Noah Olu Priya Quinn Rosa "
    "Sam Tariq Uma Victor Wen Xavier Yara Zoe Amir Bea Carlos Dana Emeka Fleur Gus Hana Ivan Jo"
).split()
LAST_NAMES = (
    "Lee Okafor Novak Shah Brown Kowalski Silva Murphy Haddad Tanaka Jensen Moreau Rossi Patel "
    "Garcia Nguyen Walsh Fischer Costa Ahmed Byrne Larsen Dubois Kim Evans Mensah Horvat Ali"
).split()
REGIONS = ("North", "South", "East", "West", "Capital")
AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_64", "65_plus")
TIERS = ("standard",) * 6 + ("silver",) * 3 + ("gold",) * 2 + ("platinum",)
STORES = ("Harbour Street", "Mill Lane", "Station Road", "Riverside", "Online")


def demo_people(count: int, seed: int = 2026) -> list[dict]:
    """`count` people with identities across channels: e-mail only, phone only, shop ids, apps."""
    rng = random.Random(seed)
    people = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = {
            "full_name": f"{first} {last}",
            "region": rng.choice(REGIONS),
            "age_band": rng.choice(AGE_BANDS),
            "value_tier": rng.choice(TIERS),
            "segments": {"home_store": rng.choice(STORES)},
            "email": f"{first}.{last}.{n}@example.com".lower(),
            "phone": "",
            "external": {},
        }
        shape = n % 5
        if shape in (1, 3):
            person["phone"] = f"07700 9{n:05d}"
        if shape == 2:
            person["external"] = {"shop": f"C-{10000 + n}"}
        if shape == 4:
            # Reached us only by phone or through the app: no e-mail address.
            person["email"] = ""
            person["phone"] = f"07700 9{n:05d}"
            person["external"] = {"app": f"app-{n:06d}"}
        people.append(person)
    return people
