"""The words the demo directory is made of: places, names, languages and what each procedure treats.

Invented or common words only; no real person or practice.
"""

from __future__ import annotations

from directory.models import Provider


def _words(text: str) -> list[str]:
    """Return the whitespace-separated words of ``text`` (keeps long name lists compact)."""
    return text.split()


PLACE_WORDS = [
    *_words("Lakeside Riverside Summit Valley Bayview Northshore Pinecrest Harbor Meadowbrook Crestview"),
    *_words("Westgate Eastside Highland Fairview Brookside Stonebridge Parkview Greenfield Sunrise"),
    "Oak Ridge",
    "Cedar Park",
]
PRACTICE_KINDS = [
    "Vascular & Interventional",
    "Interventional Radiology",
    "Interventional Spine Associates",
    "Image-Guided Therapy Center",
    "Vascular & Interventional Specialists",
    "Interventional Pain & Spine",
    "Minimally Invasive Spine Institute",
]
STREET_NAMES = _words("""
    Medical-Center Hospital Health-Park Main Oak Park Wellness Commerce University Lake Broad Market
    Elm Washington Jefferson Maple Pine Clinic
""")
STREET_TYPES = ["St", "Ave", "Dr", "Blvd", "Way", "Rd", "Pkwy"]
FIRST_NAMES = {
    Provider.Sex.FEMALE: _words("""
    Aisha Alicia Amanda Ana Angela Anjali Camila Catherine Chloe Claire Diana Elena Emily Fatima Grace
    Hannah Helen Isabel Jennifer Jessica Julia Karen Laura Leah Linh Lucia Maria Megan Mei Michelle
    Nadia Natalie Nicole Olivia Priya Rachel Rebecca Sara Sofia Susan Valentina Yuki Zara
"""),
    Provider.Sex.MALE: _words("""
    Adam Ahmed Alejandro Andrew Anthony Arjun Benjamin Brian Carlos Christopher Daniel David Diego Eric
    Ethan Gabriel George Hiroshi Ibrahim James Jason John Jonathan Jorge Joseph Kevin Luis Mark Matthew
    Michael Minh Mohammed Nathan Omar Patrick Paul Rahul Richard Robert Samuel Stephen Thomas Victor
    William Wei
"""),
}
MIDDLE_INITIALS = "ABCDEFGHJKLMNPRST"
LAST_NAMES = _words("""
    Adams Ahmed Alvarez Anderson Baker Bennett Brooks Brown Campbell Carter Chang Chen Clark Collins
    Cooper Cruz Davis Diaz Edwards Evans Fischer Flores Foster Garcia Gonzalez Gupta Hall Harris
    Hernandez Hill Hoffman Hughes Jackson Johnson Kaplan Kelly Khan Kim King Kowalski Lee Lewis Lopez
    Martin Martinez Mehta Miller Mitchell Moore Morales Murphy Nguyen Novak O'Brien Okafor Ortiz Park
    Patel Perez Peterson Phillips Price Ramirez Reddy Reyes Richardson Rivera Roberts Robinson Rodriguez
    Rossi Russell Sanchez Schmidt Shah Singh Smith Sullivan Tanaka Taylor Thomas Thompson Tran Turner
    Walker Wang Ward Watson White Williams Wilson Wong Wright Yamamoto Young Zhang
""")
# Second languages and their rough weights among US clinicians; English is always spoken.
SECOND_LANGUAGES = {
    "es": 40,
    "zh": 8,
    "hi": 7,
    "vi": 5,
    "ko": 4,
    "ar": 5,
    "fr": 5,
    "ru": 4,
    "tl": 4,
    "pt": 3,
    "de": 3,
    "it": 3,
    "ur": 3,
    "gu": 3,
    "fa": 2,
    "pl": 2,
    "ja": 2,
    "bn": 2,
    "ht": 1,
}
# Which conditions each procedure is usually offered for.
PROCEDURE_CONDITIONS = {
    "epidural-steroid-injection": ["herniated-disc", "spinal-stenosis", "degenerative-disc-disease"],
    "facet-joint-injection": ["degenerative-disc-disease"],
    "percutaneous-discectomy": ["herniated-disc"],
    "vertebroplasty-kyphoplasty": ["vertebral-compression-fracture"],
    "interspinous-spacer": ["spinal-stenosis"],
    "spinal-cord-stimulation": ["degenerative-disc-disease", "spinal-stenosis"],
    "targeted-drug-delivery": ["degenerative-disc-disease"],
}
# How often an IR offers each procedure; injections are common, pumps are rare.
PROCEDURE_WEIGHTS = {
    "epidural-steroid-injection": 0.85,
    "facet-joint-injection": 0.7,
    "vertebroplasty-kyphoplasty": 0.65,
    "percutaneous-discectomy": 0.25,
    "interspinous-spacer": 0.2,
    "spinal-cord-stimulation": 0.2,
    "targeted-drug-delivery": 0.1,
}
