"""Rates and vocabularies behind the synthetic agency.

Rates are per officer per month for a line officer at busyness 1.0. They are loosely shaped on
published large-agency figures (a busy patrol officer uses reportable force a few times a year and
draws a civilian complaint about once a year; desk and administrative officers almost never do).
Free-text fields only take values from the vocabularies here, so no generated cell can name a civilian.
"""

from __future__ import annotations

from typing import Final

from eis_core.models.records import AllegationCategory, ForceType

# Ranks, lowest first.
POLICE_OFFICER: Final = "Police Officer"
SERGEANT: Final = "Sergeant"
LIEUTENANT: Final = "Lieutenant"
CAPTAIN: Final = "Captain"
DEPUTY_CHIEF: Final = "Deputy Chief"
CHIEF: Final = "Chief of Police"
RANKS: Final = (POLICE_OFFICER, SERGEANT, LIEUTENANT, CAPTAIN, DEPUTY_CHIEF, CHIEF)

# Units.
PATROL: Final = "Patrol"
DESK: Final = "Desk"
TRAFFIC: Final = "Traffic"
GANG: Final = "Gang Enforcement"
DETECTIVES: Final = "Detectives"
ACADEMY: Final = "Training Academy"
ADMINISTRATION: Final = "Administration"
SPECIAL_OPERATIONS: Final = "Special Operations"
SUPPORT_SERVICES: Final = "Support Services"
PATROL_BUREAU: Final = "Patrol Bureau"
SUPPORT_BUREAU: Final = "Investigations and Support Bureau"
OFFICE_OF_THE_CHIEF: Final = "Office of the Chief"

DAY: Final = "day"
EVENING: Final = "evening"
NIGHT: Final = "night"

# Share of line officers by unit and the shifts each unit works (with the share of the unit per shift).
LINE_UNITS: Final[dict[str, tuple[float, dict[str, float]]]] = {
    PATROL: (0.68, {DAY: 0.30, EVENING: 0.35, NIGHT: 0.35}),
    DESK: (0.04, {DAY: 1.0}),
    TRAFFIC: (0.06, {DAY: 0.55, EVENING: 0.45}),
    GANG: (0.05, {EVENING: 0.5, NIGHT: 0.5}),
    DETECTIVES: (0.10, {DAY: 0.7, EVENING: 0.3}),
    ACADEMY: (0.025, {DAY: 1.0}),
    ADMINISTRATION: (0.045, {DAY: 1.0}),
}
DISTRICT_UNITS: Final = frozenset({PATROL, DESK})
CAPTAIN_OF_UNIT: Final = {
    TRAFFIC: SPECIAL_OPERATIONS,
    GANG: SPECIAL_OPERATIONS,
    DETECTIVES: DETECTIVES,
    ACADEMY: SUPPORT_SERVICES,
    ADMINISTRATION: SUPPORT_SERVICES,
}
OFFICERS_PER_SERGEANT: Final = 8
CITYWIDE_BUSYNESS: Final = {GANG: 1.3}

# Monthly event rates for a line officer by unit.
FORCE: Final = "force"
COMPLAINT: Final = "complaint"
ACCIDENT: Final = "accident"
PURSUIT: Final = "pursuit"
INJURY: Final = "injury"
SICK: Final = "sick"
VACATION: Final = "vacation"
COMMENDATION: Final = "commendation"
INTERNAL: Final = "internal"
ELECTIVE: Final = "elective"
EVENT_KINDS: Final = (
    FORCE,
    COMPLAINT,
    ACCIDENT,
    PURSUIT,
    INJURY,
    SICK,
    VACATION,
    COMMENDATION,
    INTERNAL,
    ELECTIVE,
)

UNIT_RATES: Final[dict[str, dict[str, float]]] = {
    PATROL: {FORCE: 0.09, COMPLAINT: 0.035, ACCIDENT: 0.011, PURSUIT: 0.008, INJURY: 0.007, COMMENDATION: 0.015},
    DESK: {FORCE: 0.004, COMPLAINT: 0.012, ACCIDENT: 0.001, PURSUIT: 0.0003, INJURY: 0.001, COMMENDATION: 0.005},
    TRAFFIC: {FORCE: 0.025, COMPLAINT: 0.04, ACCIDENT: 0.016, PURSUIT: 0.012, INJURY: 0.006, COMMENDATION: 0.01},
    GANG: {FORCE: 0.18, COMPLAINT: 0.06, ACCIDENT: 0.012, PURSUIT: 0.014, INJURY: 0.009, COMMENDATION: 0.02},
    DETECTIVES: {
        FORCE: 0.02,
        COMPLAINT: 0.025,
        ACCIDENT: 0.006,
        PURSUIT: 0.001,
        INJURY: 0.002,
        COMMENDATION: 0.02,
    },
    ACADEMY: {FORCE: 0.003, COMPLAINT: 0.004, ACCIDENT: 0.002, PURSUIT: 0.0, INJURY: 0.01, COMMENDATION: 0.008},
    ADMINISTRATION: {
        FORCE: 0.002,
        COMPLAINT: 0.004,
        ACCIDENT: 0.001,
        PURSUIT: 0.0,
        INJURY: 0.0008,
        COMMENDATION: 0.006,
    },
}
# Everyone, whatever the assignment.
COMMON_RATES: Final = {SICK: 0.30, VACATION: 0.22, INTERNAL: 0.004, ELECTIVE: 0.1}

SHIFT_FACTOR: Final[dict[str, dict[str, float]]] = {
    FORCE: {DAY: 0.55, EVENING: 1.0, NIGHT: 1.35},
    COMPLAINT: {DAY: 0.8, EVENING: 1.0, NIGHT: 1.1},
    PURSUIT: {DAY: 0.5, EVENING: 1.0, NIGHT: 1.5},
    ACCIDENT: {DAY: 0.9, EVENING: 1.0, NIGHT: 1.2},
    SICK: {DAY: 1.0, EVENING: 1.0, NIGHT: 1.1},
}
BUSYNESS_EXPONENT: Final = {FORCE: 1.0, COMPLAINT: 0.8, PURSUIT: 0.6, ACCIDENT: 0.3, INJURY: 0.5, COMMENDATION: 0.3}
# Supervisors spend less time on the street.
RANK_FACTOR: Final[dict[str, dict[str, float]]] = {
    POLICE_OFFICER: {},
    SERGEANT: {FORCE: 0.45, COMPLAINT: 0.6, ACCIDENT: 0.8, PURSUIT: 0.5, INJURY: 0.6},
    LIEUTENANT: {FORCE: 0.1, COMPLAINT: 0.3, ACCIDENT: 0.5, PURSUIT: 0.1, INJURY: 0.2},
    CAPTAIN: {FORCE: 0.02, COMPLAINT: 0.15, ACCIDENT: 0.3, PURSUIT: 0.02, INJURY: 0.1},
    DEPUTY_CHIEF: {FORCE: 0.01, COMPLAINT: 0.1, ACCIDENT: 0.3, PURSUIT: 0.01, INJURY: 0.05},
    CHIEF: {FORCE: 0.01, COMPLAINT: 0.1, ACCIDENT: 0.3, PURSUIT: 0.01, INJURY: 0.05},
}
# How strongly latent risk (multiplier m >= 1) bends each rate: rate * (1 + weight * (m - 1)).
RISK_WEIGHT: Final = {
    FORCE: 1.0,
    COMPLAINT: 1.0,
    ACCIDENT: 0.6,
    PURSUIT: 0.8,
    INJURY: 0.3,
    SICK: 0.6,
    VACATION: 0.0,
    COMMENDATION: -0.15,
    INTERNAL: 0.8,
    ELECTIVE: 0.0,
}

# Monthly activity for a line officer: (calls for service, arrests, traffic stops).
ACTIVITY: Final[dict[str, tuple[float, float, float]]] = {
    PATROL: (70.0, 3.5, 8.0),
    DESK: (35.0, 0.1, 0.0),
    TRAFFIC: (25.0, 1.5, 60.0),
    GANG: (20.0, 6.0, 15.0),
    DETECTIVES: (5.0, 2.0, 0.0),
    ACADEMY: (0.0, 0.0, 0.0),
    ADMINISTRATION: (0.0, 0.0, 0.0),
}
ACTIVITY_RANK_FACTOR: Final = {
    POLICE_OFFICER: 1.0,
    SERGEANT: 0.35,
    LIEUTENANT: 0.1,
    CAPTAIN: 0.0,
    DEPUTY_CHIEF: 0.0,
    CHIEF: 0.0,
}
# Mean overtime hours per month by unit.
OVERTIME: Final = {
    PATROL: 18.0,
    DESK: 6.0,
    TRAFFIC: 15.0,
    GANG: 25.0,
    DETECTIVES: 20.0,
    ACADEMY: 6.0,
    ADMINISTRATION: 4.0,
}
REGULAR_HOURS_PER_MONTH: Final = 173.3

FORCE_TYPES: Final[dict[str, dict[ForceType, float]]] = {
    "street": {
        ForceType.PHYSICAL: 0.35,
        ForceType.TAKEDOWN: 0.24,
        ForceType.OC_SPRAY: 0.06,
        ForceType.TASER: 0.12,
        ForceType.BATON: 0.02,
        ForceType.CANINE: 0.005,
        ForceType.FIREARM_POINTED: 0.18,
        ForceType.FIREARM_DISCHARGED: 0.004,
        ForceType.OTHER: 0.021,
    },
    "tactical": {
        ForceType.PHYSICAL: 0.25,
        ForceType.TAKEDOWN: 0.2,
        ForceType.OC_SPRAY: 0.04,
        ForceType.TASER: 0.1,
        ForceType.BATON: 0.02,
        ForceType.CANINE: 0.02,
        ForceType.FIREARM_POINTED: 0.35,
        ForceType.FIREARM_DISCHARGED: 0.006,
        ForceType.OTHER: 0.014,
    },
}
SUBJECT_INJURY: Final = {
    ForceType.PHYSICAL: 0.07,
    ForceType.TAKEDOWN: 0.126,
    ForceType.OC_SPRAY: 0.056,
    ForceType.TASER: 0.154,
    ForceType.BATON: 0.245,
    ForceType.CANINE: 0.49,
    ForceType.FIREARM_POINTED: 0.003,
    ForceType.FIREARM_DISCHARGED: 0.42,
    ForceType.OTHER: 0.07,
}

CIVILIAN_CATEGORIES: Final = {
    AllegationCategory.EXCESSIVE_FORCE: 0.18,
    AllegationCategory.ILLEGAL_SEARCH: 0.12,
    AllegationCategory.VERBAL_ABUSE: 0.22,
    AllegationCategory.FALSE_ARREST: 0.10,
    AllegationCategory.RACIAL_PROFILING: 0.05,
    AllegationCategory.NEGLECT_OF_DUTY: 0.13,
    AllegationCategory.CONDUCT_UNBECOMING: 0.12,
    AllegationCategory.OPERATIONS: 0.03,
    AllegationCategory.OTHER: 0.05,
}
INTERNAL_CATEGORIES: Final = {
    AllegationCategory.NEGLECT_OF_DUTY: 0.35,
    AllegationCategory.CONDUCT_UNBECOMING: 0.30,
    AllegationCategory.OPERATIONS: 0.25,
    AllegationCategory.OTHER: 0.10,
}
SUSTAIN_RATE: Final = {
    AllegationCategory.EXCESSIVE_FORCE: 0.042,
    AllegationCategory.ILLEGAL_SEARCH: 0.056,
    AllegationCategory.VERBAL_ABUSE: 0.084,
    AllegationCategory.FALSE_ARREST: 0.035,
    AllegationCategory.RACIAL_PROFILING: 0.021,
    AllegationCategory.NEGLECT_OF_DUTY: 0.105,
    AllegationCategory.CONDUCT_UNBECOMING: 0.098,
    AllegationCategory.OPERATIONS: 0.21,
    AllegationCategory.OTHER: 0.07,
}
INTERNAL_SUSTAIN_RATE: Final = 0.35
# Categories where the officer's action is usually found lawful when not sustained.
EXONERABLE: Final = frozenset(
    {
        AllegationCategory.EXCESSIVE_FORCE,
        AllegationCategory.ILLEGAL_SEARCH,
        AllegationCategory.FALSE_ARREST,
        AllegationCategory.OPERATIONS,
    }
)
SERIOUS: Final = frozenset(
    {
        AllegationCategory.EXCESSIVE_FORCE,
        AllegationCategory.RACIAL_PROFILING,
        AllegationCategory.CONDUCT_UNBECOMING,
    }
)
LITIGABLE: Final = {
    AllegationCategory.EXCESSIVE_FORCE: "Excessive force",
    AllegationCategory.FALSE_ARREST: "False arrest",
    AllegationCategory.ILLEGAL_SEARCH: "Unlawful search",
    AllegationCategory.RACIAL_PROFILING: "Civil rights (other)",
}

INJURY_TYPES: Final = (
    "Strain/Sprain",
    "Contusion",
    "Laceration",
    "Fracture",
    "Exposure",
    "Dog bite",
    "Other",
)
INJURY_DURING_FORCE: Final = "Injured during use of force"
INJURY_IN_COLLISION: Final = "Vehicle collision"
INJURY_IN_TRAINING: Final = "Training injury"

ANNUAL_IN_SERVICE: Final = "Annual In-Service"
FIREARMS_QUALIFICATION: Final = "Firearms Qualification"
BASIC_ACADEMY: Final = "Basic Academy"
REMEDIAL_DEESCALATION: Final = "Remedial De-escalation"
REMEDIAL_DRIVING: Final = "Remedial Emergency Vehicle Operations"
ELECTIVE_COURSES: Final = (
    ("De-escalation", 8.0),
    ("Crisis Intervention Team", 40.0),
    ("Defensive Tactics", 8.0),
    ("Emergency Vehicle Operations", 16.0),
    ("Implicit Bias", 4.0),
    ("First Aid/CPR", 8.0),
    ("Use of Force Policy", 4.0),
    ("Report Writing", 4.0),
    ("Field Training Officer", 40.0),
    ("Procedural Justice", 8.0),
)
SUPERVISOR_COURSE: Final = ("Supervisor Leadership", 24.0)

AWARDS: Final = (
    ("Letter of Commendation", 0.45),
    ("Citizen Letter of Appreciation", 0.30),
    ("Unit Citation", 0.12),
    ("Life Saving Award", 0.10),
    ("Medal of Valor", 0.03),
)
CLAIM_FORCE: Final = "Excessive force"
CLAIM_VEHICLE: Final = "Vehicle collision"
CLAIM_PROSECUTION: Final = "Malicious prosecution"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


RACES: Final = (("White", 0.56), ("Black", 0.19), ("Hispanic", 0.18), ("Asian", 0.05), ("Other", 0.02))
FEMALE_SHARE: Final = 0.14

MALE_NAMES: Final = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason "
    "Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel "
    "Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary "
    "Douglas Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Dylan "
    "Harold Jordan Jesse Bryan Lawrence Arthur Gabriel Bruce Logan Billy Joe Alan Juan Elijah Willie Albert "
    "Wayne Randy Mason Vincent Liam Roy Bobby Caleb Bradley Russell Lucas Luis Carlos Miguel Marcus Andre"
)
FEMALE_NAMES: Final = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra "
    "Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca "
    "Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine "
    "Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria "
    "Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha "
    "Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia "
    "Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis"
)
LAST_NAMES: Final = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz "
    "Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson "
    "Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins "
    "Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero "
    "Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant "
    "Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford "
    "Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer "
    "Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels "
    "Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold "
    "Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson "
    "O'Brien O'Connor Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston"
)
