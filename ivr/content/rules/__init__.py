"""The rules a content pack must pass, one module per pack file they check (see
:data:`ivr.content.validate.CHECKS`, the list that runs them)."""
