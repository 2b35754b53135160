"""Loop metrics: what every step of every referral adds up to, for a practice, a clinician or all.

``figures`` holds the pure arithmetic (rates, percentiles, the improvement rule), ``queries``
the few aggregate reads that feed it, ``report`` the figures one screen, file or command
shows, and ``charts`` their SVG pictures. The contract is in ``docs/metrics.md``.
"""
