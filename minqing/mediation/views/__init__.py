"""The pages of disputes, mediation and 大排查 campaigns, by sub-domain as in `mediation.services`.

`disputes`: the list, recording a dispute, the party picker and the dispute page. The page's steps are posted
to `steps`, which gathers those declared in `disputes`, `sessions` (the mediation itself) and `agreements`
(which also serves the printable agreement and its scan). `campaigns`: 大排查.
"""
