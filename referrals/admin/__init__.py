"""The IR office admin: an office works its own referrals, visits, follow-ups and listing here.

Office staff (staff users with a practice membership) see their own practice's rows only
(``referrals.admin.scoping``); superusers see everything. Every status change goes through
``referrals.services``: the admin only gathers the input, calls the service and reports
each referral's result. Views of patient data and exports are written to the audit log,
which superusers may read and nobody may change.

One module per concern: the referral list and page (``referral``), its actions and their
forms (``actions``, ``forms``), the rows under a referral (``inlines``), follow-ups due
(``follow_ups``), the office's directory listing (``listing``), practices and enrolment
(``enrolment``), the metrics page (``metrics``) and the read-only admins (``readonly``).
Importing the package registers them all.
"""

from django.contrib import admin

from referrals.admin import follow_ups, listing, metrics, readonly, referral

# The side menu repeats the home page's list and took a quarter of a 1280 px screen, so the
# referral list scrolled sideways and hid its deadline and next-visit columns.
admin.site.enable_nav_sidebar = False

__all__ = ["follow_ups", "listing", "metrics", "readonly", "referral"]
