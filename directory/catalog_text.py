"""The catalog's names and descriptions, marked for the translation catalogs (locale/).

The rows themselves come from migration 0002; pages show a row's English text through
``gettext``, so each text here is the key of its Spanish translation. A test checks that every
catalog row has one.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

CATALOG_TEXT: tuple[str, ...] = (
    gettext_noop("Epidural steroid injection"),
    gettext_noop(
        "Guided by imaging, a thin needle places anti-inflammatory medicine next to the irritated "
        "nerves in the spine. It can calm pain that runs from the back into a leg."
    ),
    gettext_noop("Facet joint injection and denervation"),
    gettext_noop(
        "Medicine is injected into the small joints that link the bones of the spine. If the relief "
        "fades, a heated needle can switch off the tiny nerves that carry pain from those joints."
    ),
    gettext_noop("Percutaneous discectomy"),
    gettext_noop(
        "Through a needle in the back, part of a bulging disc is removed so it presses less on "
        "nearby nerves. No open surgery is needed."
    ),
    gettext_noop("Vertebroplasty and kyphoplasty"),
    gettext_noop(
        "Bone cement is injected through a needle into a cracked vertebra. The cement sets quickly, "
        "steadies the break and usually eases the pain of a compression fracture."
    ),
    gettext_noop("Interspinous spacer"),
    gettext_noop(
        "For some people with a narrowed spinal canal, a small device placed through a small cut "
        "holds two vertebrae slightly apart so the squeezed nerves get more room."
    ),
    gettext_noop("Spinal cord stimulation"),
    gettext_noop(
        "Thin wires placed near the spinal cord send mild electrical signals that dampen the pain "
        "messages travelling to the brain. A trial period comes first."
    ),
    gettext_noop("Targeted drug delivery (pain pump)"),
    gettext_noop(
        "A small pump and tube deliver pain medicine straight into the fluid around the spinal "
        "cord, so a far smaller dose works better than pills."
    ),
    gettext_noop("Degenerative disc disease"),
    gettext_noop(
        "With age the cushions between the bones of the spine dry out and thin, which can cause "
        "long-lasting back pain."
    ),
    gettext_noop("Herniated disc"),
    gettext_noop(
        "The soft centre of a spinal disc pushes out through its outer ring and can press on a "
        "nerve, often causing pain, tingling or numbness down a leg."
    ),
    gettext_noop("Spinal stenosis"),
    gettext_noop(
        "The space for the nerves in the spine becomes narrow. Walking or standing may bring on "
        "pain, cramping or heaviness in the legs that eases when sitting or bending forward."
    ),
    gettext_noop("Vertebral compression fracture"),
    gettext_noop(
        "A bone of the spine collapses, most often because osteoporosis or cancer has weakened it. "
        "It can cause sudden, sharp back pain."
    ),
    gettext_noop("English"),
    gettext_noop("Spanish"),
    gettext_noop("Chinese"),
    gettext_noop("Vietnamese"),
    gettext_noop("Tagalog"),
    gettext_noop("Arabic"),
    gettext_noop("French"),
    gettext_noop("Korean"),
    gettext_noop("Russian"),
    gettext_noop("German"),
    gettext_noop("Hindi"),
    gettext_noop("Portuguese"),
    gettext_noop("Italian"),
    gettext_noop("Polish"),
    gettext_noop("Japanese"),
    gettext_noop("Persian"),
    gettext_noop("Haitian Creole"),
    gettext_noop("Urdu"),
    gettext_noop("Gujarati"),
    gettext_noop("Bengali"),
)
