"""The pipeline's steps, one console script (``pipeline``) that CI's workflows and the
local platform's runner call alike: build and push the images, promote, verify (and on
failure revert, re-verify the previous version and record both), promote to the next
environment. ``plan`` decides, from git alone, which step comes next."""
