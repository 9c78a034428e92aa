#!/usr/bin/env python3
"""Generates Seeds/demo/directory.json: Haven's fictional demo directory.

Every organization, service, location, phone number and address here is invented. Phone numbers
use the 555-0100..555-0199 range that is reserved for fiction; coordinates sit near real ZIP
centroids (from Seeds/reference/us-zip-codes.csv.gz) so distances and service areas behave like
real ones. The output is deterministic: run it again and the file does not change.

    python3 scripts/generate-demo-directory.py   # rewrites Seeds/demo/directory.json
"""

import csv
import gzip
import json
import random
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = uuid.UUID("0d6c1a52-8f3e-4c1b-9a77-5e2b7d9c4f10")
RANDOM = random.Random(20261121)

METROS = [
    ("Chicago", "IL"), ("Los Angeles", "CA"), ("Houston", "TX"), ("Phoenix", "AZ"), ("Atlanta", "GA"),
    ("Miami", "FL"), ("New York", "NY"), ("Seattle", "WA"), ("Denver", "CO"), ("Philadelphia", "PA"),
    ("Albuquerque", "NM"), ("Minneapolis", "MN"),
]

# Invented place-like words: none is meant to name a real organization.
NAME_WORDS = [
    "Amberly", "Bramblewood", "Cedarline", "Driftstone", "Elmridge", "Fernhollow", "Glenmere", "Hollowbrook",
    "Ironleaf", "Juniper Row", "Kestrel Point", "Larkspur", "Meadowlark", "Northhaven", "Oakhurst", "Pinecrest",
    "Quillfield", "Riverbend", "Stonegate", "Tidewater", "Upland", "Willowmere", "Yarrow", "Zephyr Hill",
    "Ashgrove", "Bluewater", "Copperleaf", "Dawnfield", "Evergreen Row", "Foxglove",
]

# Organization kinds: the words in the name, and the services each offers
# (name, needs, audiences, min age, max age, 24/7?).
KINDS = {
    "Family Advocacy Center": [
        ("Family advocacy and case management", ["victim-services.advocacy", "law-enforcement.liaison"],
         ["caregivers"], None, None, False),
        ("Missing child search support", ["reunification.search-support", "reunification.media-support",
                                          "law-enforcement.missing-child-report"], ["caregivers"], None, None, False),
        ("Court accompaniment for families", ["victim-services.court-accompaniment", "legal.victim-rights"],
         ["caregivers"], None, None, False),
    ],
    "Counseling Collective": [
        ("Trauma-focused therapy for children and teens", ["mental-health.trauma-therapy",
                                                           "mental-health.child-therapy"], ["children", "youth"], 3, 17, False),
        ("Family therapy after a child's return", ["mental-health.family-therapy", "reunification.recovery-support",
                                                   "reunification.family-mediation"], ["caregivers"], None, None, False),
        ("Grief and ambiguous loss group", ["mental-health.grief-support", "peer-support.support-group"],
         ["caregivers", "siblings"], None, None, False),
    ],
    "Youth Services": [
        ("Youth drop-in center", ["housing.street-outreach", "basic-needs.food", "basic-needs.clothing"],
         ["youth", "young-adults"], 12, 24, False),
        ("Emergency shelter for youth", ["housing.youth-shelter", "housing.emergency-shelter"],
         ["youth", "youth-only"], 12, 17, True),
        ("Transitional living program", ["housing.transitional-living", "employment.life-skills"],
         ["young-adults"], 16, 24, False),
    ],
    "Survivor Network": [
        ("Case management for trafficking survivors", ["victim-services.trafficking-services",
                                                       "victim-services.advocacy"], ["survivors"], 12, None, False),
        ("Survivor mentoring", ["peer-support.survivor-mentor"], ["survivors", "youth"], 13, 24, False),
        ("Safe housing for survivors", ["housing.survivor-housing", "safety.safety-planning"],
         ["survivors", "women-girls"], 16, None, True),
    ],
    "Legal Aid Project": [
        ("Custody and family court help", ["legal.family-law", "legal.protective-orders"], ["caregivers"],
         None, None, False),
        ("Immigration help for young survivors", ["immigration.t-visa", "immigration.u-visa", "immigration.sijs"],
         ["immigrants", "youth"], None, 21, False),
        ("Record relief for survivors", ["legal.vacatur", "legal.civil-legal-aid"], ["survivors"], 16, None, False),
    ],
    "Health Partners": [
        ("Forensic exams by SANE nurses", ["medical.forensic-exam", "medical.child-advocacy-center"],
         ["children", "youth"], None, 17, True),
        ("Teen sexual health clinic", ["medical.sexual-health", "medical.primary-care"], ["youth", "young-adults"],
         12, 24, False),
        ("Youth substance use treatment", ["substance-use.youth-treatment", "substance-use.recovery-support"],
         ["youth"], 12, 21, False),
    ],
    "Parent Peer Circle": [
        ("Parent peer mentoring", ["peer-support.parent-mentor"], ["caregivers"], None, None, False),
        ("Sibling support group", ["peer-support.sibling-support"], ["siblings", "children", "youth"], 6, 17, False),
    ],
    "Pride Youth Alliance": [
        ("LGBTQ+ youth drop-in", ["lgbtq.youth-services", "housing.street-outreach"], ["lgbtq-affirming", "youth"],
         13, 24, False),
        ("Affirming counseling", ["lgbtq.affirming-counseling", "mental-health.child-therapy"],
         ["lgbtq-affirming", "youth"], 12, 24, False),
        ("Family acceptance workshops", ["lgbtq.family-acceptance"], ["lgbtq-affirming", "caregivers"], None, None,
         False),
    ],
    "Community Resource Hub": [
        ("Emergency food and clothing", ["basic-needs.food", "basic-needs.clothing"], ["caregivers"], None, None,
         False),
        ("Travel and emergency funds for families", ["basic-needs.transportation", "basic-needs.emergency-funds"],
         ["caregivers"], None, None, False),
        ("School re-enrollment help", ["education.re-enrollment", "education.school-advocacy"],
         ["children", "youth", "caregivers"], 5, 18, False),
    ],
    "Online Safety Center": [
        ("Sextortion help for teens and parents", ["online-safety.sextortion", "law-enforcement.exploitation-report"],
         ["youth", "caregivers"], 10, None, False),
        ("Removing images online", ["online-safety.image-removal", "online-safety.digital-safety"],
         ["youth", "caregivers"], None, None, False),
        ("Online safety workshops", ["education.prevention-education"], ["caregivers", "youth"], None, None, False),
    ],
    "Native Family Services": [
        ("Native family advocacy", ["culturally-specific.native", "victim-services.advocacy"], ["native", "caregivers"],
         None, None, False),
        ("Healing circle for families", ["peer-support.support-group", "mental-health.grief-support"],
         ["native", "caregivers"], None, None, False),
    ],
    "Crisis Response Team": [
        ("Mobile crisis team", ["safety.crisis-intervention", "mental-health.crisis-counseling"], ["caregivers", "youth"],
         None, None, True),
        ("Safety planning", ["safety.safety-planning", "safety.domestic-violence"], ["caregivers", "women-girls"], None,
         None, False),
    ],
}

STREETS = ["Maple", "Oak", "Cedar", "Lake", "Park", "Hill", "Washington", "Lincoln", "Grand", "Union", "Church",
           "Market", "River", "Spring", "Sunset", "Highland", "Franklin", "Jefferson"]
OTHER_LANGUAGES = ["vi", "zh", "ar", "so", "ko", "ru", "ht", "tl", "pl", "hmn", "ase", "fr", "am", "uk"]
HOLIDAYS = [("2026-11-26", "2026-11-27", "Thanksgiving"), ("2026-12-24", "2026-12-25", "Winter holiday"),
            ("2027-01-01", "2027-01-01", "New Year's Day")]


def stable_id(*parts):
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def load_zips():
    with gzip.open(ROOT / "Seeds/reference/us-zip-codes.csv.gz", "rt", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    by_metro = {}
    for city, state in METROS:
        by_metro[(city, state)] = sorted(
            (r for r in rows if r["city"] == city and r["state"] == state and r["kind"] == "standard"
             and r["active"] == "true"), key=lambda r: r["zip"])
    return by_metro


def fictional_phone(area_code, index):
    # 555-0100 through 555-0199 are set aside for fiction.
    return f"+1{area_code}5550{100 + index % 100:03d}"


def schedule(time_zone, always_open, rng):
    if always_open:
        return {"time_zone": time_zone, "open_24_7": True}
    pattern = rng.choice(["weekdays", "weekdays", "late", "weekend", "split"])
    if pattern == "weekdays":
        hours = [{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}]
    elif pattern == "late":
        hours = [{"byday": "MO,TU,WE,TH", "opens_at": "12:00", "closes_at": "20:00"},
                 {"byday": "FR", "opens_at": "10:00", "closes_at": "16:00"}]
    elif pattern == "weekend":
        hours = [{"byday": "TU,WE,TH,FR", "opens_at": "10:00", "closes_at": "18:00"},
                 {"byday": "SA,SU", "opens_at": "10:00", "closes_at": "14:00"}]
    else:
        hours = [{"byday": "MO,WE,FR", "opens_at": "08:30", "closes_at": "16:30"},
                 {"byday": "TU,TH", "opens_at": "13:00", "closes_at": "21:00"}]
    result = {"time_zone": time_zone, "hours": hours}
    if rng.random() < 0.6:
        starts, ends, reason = rng.choice(HOLIDAYS)
        result["exceptions"] = [{"starts_on": starts, "ends_on": ends, "closed": True, "reason": reason}]
    return result


def main():
    zips = load_zips()
    organizations = []
    service_count = 0
    confidential_count = 0
    area_kinds = ["radius", "zip", "county", "state", "polygon", "national"]
    area_index = 0
    used_names = set()
    for metro_index, (city, state) in enumerate(METROS):
        metro_zips = zips[(city, state)]
        kinds = list(KINDS.keys())
        RANDOM.shuffle(kinds)
        for org_index in range(11):
            kind = kinds[org_index % len(kinds)]
            offset = metro_index * 7 + org_index * 3
            while f"{NAME_WORDS[offset % len(NAME_WORDS)]} {kind}" in used_names:
                offset += 1
            word = NAME_WORDS[offset % len(NAME_WORDS)]
            org_name = f"{word} {kind}"
            used_names.add(org_name)
            org_id = stable_id("organization", city, str(org_index))
            zip_row = metro_zips[(org_index * 5 + metro_index) % len(metro_zips)]
            area_code = {"IL": "312", "CA": "213", "TX": "713", "AZ": "602", "GA": "404", "FL": "305", "NY": "212",
                         "WA": "206", "CO": "303", "PA": "215", "NM": "505", "MN": "612"}[state]
            time_zone = zip_row["timezone"]
            county = zip_row["county"]
            spanish_org = RANDOM.random() < 0.45 or state in ("TX", "FL", "AZ", "NM", "CA")
            verified = f"2026-{RANDOM.randint(1, 11):02d}-{RANDOM.randint(1, 28):02d}T15:00:00Z"
            if RANDOM.random() < 0.1:
                verified = f"2025-{RANDOM.randint(1, 9):02d}-{RANDOM.randint(1, 28):02d}T15:00:00Z"

            locations = []
            confidential = kind in ("Youth Services", "Survivor Network") and RANDOM.random() < 0.45
            for loc_index in range(2 if org_index % 3 == 0 else 1):
                loc_zip = metro_zips[(org_index * 5 + metro_index + loc_index * 11) % len(metro_zips)]
                lat = round(float(loc_zip["latitude"]) + RANDOM.uniform(-0.015, 0.015), 5)
                lon = round(float(loc_zip["longitude"]) + RANDOM.uniform(-0.015, 0.015), 5)
                is_confidential = confidential and loc_index == 0
                confidential_count += is_confidential
                location = {
                    "organization_id": org_id,
                    "location_type": "physical",
                    "name": f"{word} {kind} — {'Safe house' if is_confidential else loc_zip['city'] + ' office'}"
                    + (f" {loc_index + 1}" if loc_index else ""),
                    "latitude": lat,
                    "longitude": lon,
                    "time_zone": time_zone,
                    "confidential": is_confidential,
                    "address": {
                        "address_1": f"{RANDOM.randint(100, 4999)} {RANDOM.choice(STREETS)} "
                                     f"{RANDOM.choice(['St', 'Ave', 'Blvd', 'Rd'])}",
                        "city": loc_zip["city"], "state_province": state, "postal_code": loc_zip["zip"],
                        "country": "US",
                    },
                    "languages": ["en"] + (["es"] if spanish_org else []),
                    "accessibility": RANDOM.choice(["Step-free entrance and accessible restroom",
                                                    "Elevator to the second floor", "Ground floor, ramp at side door"]),
                    "phones": [{"number": fictional_phone(area_code, metro_index * 20 + org_index * 2 + loc_index),
                                "type": "voice"}],
                }
                if is_confidential:
                    location["intake_phone"] = fictional_phone(area_code, 90 + org_index)
                    location["description"] = "Confidential location: call the intake line to arrange a visit."
                locations.append({"id": stable_id("location", city, str(org_index), str(loc_index)),
                                  "last_verified_at": verified, "location": location})

            services = []
            offered = KINDS[kind]
            count = 3 if len(offered) >= 3 and org_index % 4 != 3 else 2
            for service_index, (service_name, needs, audiences, min_age, max_age, always) in enumerate(offered[:count]):
                service_id = stable_id("service", city, str(org_index), str(service_index))
                languages = ["en"]
                if spanish_org or RANDOM.random() < 0.15:
                    languages.append("es")
                if RANDOM.random() < 0.3:
                    languages.append(RANDOM.choice(OTHER_LANGUAGES))
                status = "active"
                roll = RANDOM.random()
                if roll < 0.05:
                    status = "temporarily closed"
                elif roll < 0.08:
                    status = "inactive"
                area_kind = area_kinds[area_index % len(area_kinds)]
                area_index += 1
                if area_kind == "radius":
                    area = {"kind": "radius", "radius_km": RANDOM.choice([10, 15, 25, 40])}
                elif area_kind == "zip":
                    area = {"kind": "zip", "zip_codes": sorted({RANDOM.choice(metro_zips)["zip"] for _ in range(6)})}
                elif area_kind == "county":
                    area = {"kind": "county", "counties": [f"{state}:{county}"]}
                elif area_kind == "state":
                    area = {"kind": "state", "states": [state]}
                elif area_kind == "polygon":
                    lat, lon = float(zip_row["latitude"]), float(zip_row["longitude"])
                    ring = [[lon - 0.25, lat - 0.2], [lon + 0.25, lat - 0.2], [lon + 0.25, lat + 0.2],
                            [lon - 0.25, lat + 0.2], [lon - 0.25, lat - 0.2]]
                    area = {"kind": "polygon", "extent": json.dumps(
                        {"type": "Polygon", "coordinates": [[[round(x, 4), round(y, 4)] for x, y in ring]]})}
                else:
                    area = {"kind": "national"}
                free = RANDOM.random() < 0.75
                service = {
                    "organization_id": org_id,
                    "name": service_name,
                    "description": f"{service_name} offered by {org_name} in the {city} area. Fictional demo record.",
                    "status": status,
                    "needs": needs,
                    "audiences": audiences,
                    "languages": languages,
                    "phones": [{"number": fictional_phone(area_code, metro_index * 20 + org_index * 2),
                                "type": "voice", "description": "Intake"}],
                    "schedule": schedule(time_zone, always, RANDOM),
                    "service_areas": [area],
                    "cost_options": [{"option": "Free", "amount": 0, "currency": "USD"}] if free else
                    [{"option": "Sliding scale", "amount": 20, "currency": "USD",
                      "amount_description": "Per session; nobody is turned away for inability to pay"}],
                    "location_ids": [loc["id"] for loc in locations],
                }
                if min_age is not None:
                    service["minimum_age"] = min_age
                if max_age is not None:
                    service["maximum_age"] = max_age
                if "es" in languages:
                    service["interpretation_services"] = "Spanish-speaking staff; interpreters for other languages"
                if status == "temporarily closed":
                    service["alert"] = "Temporarily closed while the program moves; call the intake line."
                services.append({"id": service_id, "last_verified_at": verified, "service": service})
                service_count += 1

            organizations.append({
                "id": org_id,
                "last_verified_at": verified,
                "organization": {
                    "name": org_name,
                    "description": f"{org_name} is a fictional organization in Haven's demo directory ({city}).",
                    "website": f"https://{word.lower().replace(' ', '')}.example.org",
                    "email": f"intake@{word.lower().replace(' ', '')}.example.org",
                },
                "locations": locations,
                "services": services,
            })

    output = {
        "note": "Fictional demo data for Haven. Every organization, service, address and phone number is "
                "invented; phone numbers use the 555-0100..0199 range reserved for fiction. Generated by "
                "scripts/generate-demo-directory.py; loaded by `haven seed`, removed by `haven seed --remove-demo`.",
        "organizations": organizations,
    }
    path = ROOT / "Seeds/demo/directory.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(organizations)} organizations, {service_count} services, "
          f"{sum(len(o['locations']) for o in organizations)} locations ({confidential_count} confidential) "
          f"-> {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
