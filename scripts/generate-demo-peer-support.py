#!/usr/bin/env python3
"""Generates Seeds/demo/peer-support.json: Haven's fictional peer-support demo.

A demo peer-support program with volunteer mentors and families waiting for one, in four metro
areas. Every name, reference, phone number and email is invented: names read "Demo Mentor …",
family references "DEMO-F…", phone numbers use 555-0100..555-0199 (set aside for fiction) and
emails use example.org. Credential dates are relative to the day of loading, so some always
lapse soon and a few have lapsed. The output is deterministic.

    python3 scripts/generate-demo-peer-support.py   # rewrites Seeds/demo/peer-support.json
"""

import json
import random
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = uuid.UUID("5b0c2f7e-93a1-4d6e-8f21-7c4e9a1d3b22")
RANDOM = random.Random(20261122)

# (ZIP codes from the reference table, area code for invented phone numbers)
METROS = [
    (["60614", "60647", "60618", "60640", "60608", "60625"], "312"),
    (["77002", "77006", "77008", "77019", "77025", "77036"], "713"),
    (["90012", "90026", "90031", "90042", "90065", "90019"], "213"),
    (["30303", "30306", "30308", "30310", "30312", "30318"], "404"),
]
FIRST_NAMES = ["Ana", "Beth", "Carmen", "Dana", "Elena", "Fatima", "Grace", "Hana", "Irene", "Joy", "Kim", "Lucia",
               "Maya", "Nora", "Olga", "Paz", "Rosa", "Sara", "Tina", "Vera", "Will", "Xavier", "Yusuf", "Zane",
               "Marcus", "Luis", "Andre", "Tomas"]
EXPERIENCES = ["family-abduction", "non-family-abduction", "ran-away", "forced-to-leave-home", "lost-or-injured",
               "sex-trafficking", "sextortion"]
OUTCOMES = ["child-recovered", "child-still-missing", "child-died"]
BANDS = ["0-5", "6-11", "12-14", "15-17", "18-20"]
NEEDS = ["peer-support", "mental-health", "legal", "victim-services"]


def uid(kind, n):
    return str(uuid.uuid5(NAMESPACE, f"{kind}-{n}"))


def languages():
    spoken = ["en"] if RANDOM.random() < 0.85 else []
    if RANDOM.random() < 0.35:
        spoken.append("es")
    if RANDOM.random() < 0.05:
        spoken.append("vi")
    return spoken or ["es"]


def main():
    volunteers = []
    for n in range(28):
        zips, area = METROS[n % len(METROS)]
        name = FIRST_NAMES[n]
        gender = "man" if name in {"Will", "Xavier", "Yusuf", "Zane", "Marcus", "Luis", "Andre", "Tomas"} else "woman"
        if n == 11:
            gender = "nonbinary"
        evening = RANDOM.choice([17, 18, 19])
        days = sorted(RANDOM.sample(["MO", "TU", "WE", "TH", "FR", "SA"], RANDOM.randint(2, 4)),
                      key=["MO", "TU", "WE", "TH", "FR", "SA"].index)
        status = "active" if n not in (5, 17) else ("paused" if n == 5 else "onboarding")
        credentials = [{"id": uid("training", n), "kind": "training", "name": "Peer mentor training",
                        "issued_days_ago": RANDOM.randint(60, 700), "expires_in_days": None}]
        # Most checks are good for a year or more; some lapse within a month; two have lapsed.
        expires_in = 400 if n % 6 else RANDOM.choice([9, 17, 26])
        if n in (8, 21):
            expires_in = -12
        credentials.append({"id": uid("check", n), "kind": "background-check", "name": "Background check",
                            "issued_days_ago": 700 - max(expires_in, 0) if expires_in < 400 else 300,
                            "expires_in_days": expires_in})
        volunteers.append({
            "id": uid("volunteer", n),
            "volunteer": {
                "name": f"Demo Mentor {name}",
                "home_zip": zips[n % len(zips)],
                "contacts": [{"channel": "phone", "value": f"+1{area}5550{100 + n:03d}"},
                             {"channel": "email", "value": f"mentor.{name.lower()}@example.org"}],
                "languages": languages(),
                "lived_experience": [RANDOM.choice(EXPERIENCES), RANDOM.choice(OUTCOMES)],
                "age_bands": [RANDOM.choice(BANDS)],
                "gender": gender,
                "availability": [{"byday": ",".join(days), "opens_at": f"{evening}:00", "closes_at": f"{evening + 3}:00"}],
                "capacity": RANDOM.choice([1, 2, 2, 3]),
                "status": status,
            },
            "credentials": credentials,
        })
    families = []
    for n in range(36):
        zips, _ = METROS[(n * 3) % len(METROS)]
        spoken = languages()
        families.append({
            "id": uid("family", n),
            "waiting_days": RANDOM.randint(1, 45),
            "family": {
                "reference": f"DEMO-F{n + 1:03d}",
                "home_zip": zips[(n * 5) % len(zips)],
                "languages": spoken,
                "situations": [RANDOM.choice(EXPERIENCES)] + ([RANDOM.choice(OUTCOMES)] if RANDOM.random() < 0.6 else []),
                "child_age_band": RANDOM.choice(BANDS),
                "needs": RANDOM.sample(NEEDS, 2),
                "preferred_mentor_gender": "woman" if RANDOM.random() < 0.25 else None,
                "same_language_required": "es" in spoken and RANDOM.random() < 0.6,
                "same_situation_preferred": RANDOM.random() < 0.8,
                "contact_hours": [{"byday": "MO,TU,WE,TH", "opens_at": "18:00", "closes_at": "21:00"}]
                if RANDOM.random() < 0.5 else [],
            },
        })
    document = {
        "organization": {"id": uid("organization", 0), "name": "Demo Peer Support Program"},
        "volunteers": volunteers,
        "families": families,
    }
    path = ROOT / "Seeds/demo/peer-support.json"
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(volunteers)} volunteers, {len(families)} waiting families")


if __name__ == "__main__":
    main()
