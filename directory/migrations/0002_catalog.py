"""The procedure and condition catalog. Slugs are part of the public API contract."""

from django.db import migrations

PROCEDURES = [
    (
        "epidural-steroid-injection",
        "Epidural steroid injection",
        "Guided by imaging, a thin needle places anti-inflammatory medicine next to the irritated "
        "nerves in the spine. It can calm pain that runs from the back into a leg.",
    ),
    (
        "facet-joint-injection",
        "Facet joint injection and denervation",
        "Medicine is injected into the small joints that link the bones of the spine. If the relief "
        "fades, a heated needle can switch off the tiny nerves that carry pain from those joints.",
    ),
    (
        "percutaneous-discectomy",
        "Percutaneous discectomy",
        "Through a needle in the back, part of a bulging disc is removed so it presses less on "
        "nearby nerves. No open surgery is needed.",
    ),
    (
        "vertebroplasty-kyphoplasty",
        "Vertebroplasty and kyphoplasty",
        "Bone cement is injected through a needle into a cracked vertebra. The cement sets quickly, "
        "steadies the break and usually eases the pain of a compression fracture.",
    ),
    (
        "interspinous-spacer",
        "Interspinous spacer",
        "For some people with a narrowed spinal canal, a small device placed through a small cut "
        "holds two vertebrae slightly apart so the squeezed nerves get more room.",
    ),
    (
        "spinal-cord-stimulation",
        "Spinal cord stimulation",
        "Thin wires placed near the spinal cord send mild electrical signals that dampen the pain "
        "messages travelling to the brain. A trial period comes first.",
    ),
    (
        "targeted-drug-delivery",
        "Targeted drug delivery (pain pump)",
        "A small pump and tube deliver pain medicine straight into the fluid around the spinal cord, "
        "so a far smaller dose works better than pills.",
    ),
]

CONDITIONS = [
    (
        "degenerative-disc-disease",
        "Degenerative disc disease",
        "With age the cushions between the bones of the spine dry out and thin, which can cause "
        "long-lasting back pain.",
    ),
    (
        "herniated-disc",
        "Herniated disc",
        "The soft centre of a spinal disc pushes out through its outer ring and can press on a nerve, "
        "often causing pain, tingling or numbness down a leg.",
    ),
    (
        "spinal-stenosis",
        "Spinal stenosis",
        "The space for the nerves in the spine becomes narrow. Walking or standing may bring on pain, "
        "cramping or heaviness in the legs that eases when sitting or bending forward.",
    ),
    (
        "vertebral-compression-fracture",
        "Vertebral compression fracture",
        "A bone of the spine collapses, most often because osteoporosis or cancer has weakened it. "
        "It can cause sudden, sharp back pain.",
    ),
]

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("de", "German"),
    ("hi", "Hindi"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("pl", "Polish"),
    ("ja", "Japanese"),
    ("fa", "Persian"),
    ("ht", "Haitian Creole"),
    ("ur", "Urdu"),
    ("gu", "Gujarati"),
    ("bn", "Bengali"),
]


def load_catalog(apps, schema_editor):
    for model_name, rows in (("Procedure", PROCEDURES), ("Condition", CONDITIONS)):
        model = apps.get_model("directory", model_name)
        for slug, name, description in rows:
            model.objects.update_or_create(slug=slug, defaults={"name": name, "description": description})
    language = apps.get_model("directory", "Language")
    for code, name in LANGUAGES:
        language.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]
