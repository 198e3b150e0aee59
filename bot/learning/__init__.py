"""Learning: activity in, pupil mastery and resource profiles that learn, recommendations out.

One concept per module:

- ``statements`` / ``activity`` / ``api`` / ``tokens`` — activity statements (xAPI-like) from
  a school's platform (``POST /api/activity``) and outcomes from OneRoster results.
- ``bkt`` / ``mastery`` — Bayesian Knowledge Tracing per competence aim beside hand-set
  values; pace.
- ``resource_profile`` / ``difficulty`` — what a resource learned: effectiveness, observed
  difficulty, for whom it worked; the shared grade-scale model of pupils and resources.
- ``policy`` — the school owner's policy (whose value wins, purchasing profile, weights).
- ``pupil`` — what the services read about a pupil (grade, needs, equipment ...).
- ``recommend`` / ``search`` / ``prerequisites`` / ``too_hard`` / ``reviews`` / ``catalog``.
"""
