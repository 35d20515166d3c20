# The local platform of `make run` (tools/localplatform/README.md). Included from the root
# Makefile, which defines VENV and `venv`. These targets drive the running platform from
# another terminal: they commit in its work clone with the pipeline's own commands, push,
# ask Flux to fetch, then follow the board until it shows the outcome.

PLATFORM := $(VENV)/bin/python -m tools.localplatform
PROD_GATE ?= auto

.PHONY: promote-good promote-bad revert verify platform-status change-good change-bad promote-prod fault

promote-good: venv ## With `make run` up: promote the next good backend version to dev, follow the board
	$(PLATFORM) promote good

promote-bad: venv ## With `make run` up: promote a broken version; Degraded after the 15 s deadline, then the pipeline reverts it
	$(PLATFORM) promote bad

revert: venv ## With `make run` up: revert the last dev promotion commit, follow the board to Healthy
	$(PLATFORM) revert

verify: venv ## With `make run` up: the pipeline's verify on what serves; reverts the promotion if it fails
	$(PLATFORM) verify

platform-status: venv ## With `make run` up: what the board says about dev, in one line
	$(PLATFORM) status

change-good: venv ## With `make run` up: a real source commit (a backend release), pushed; it reaches prod by itself
	$(PLATFORM) change good

change-bad: venv ## With `make run` up: a source commit that breaks readiness, pushed; dev recovers by itself
	$(PLATFORM) change bad

promote-prod: venv ## With `make run PROD_GATE=manual` up: promote what staging verified to prod
	$(PLATFORM) promote-prod

fault: venv ## With `make run` up: a fault drill, e.g. make fault PART=registry ACTION=down (kill|down|up|hang|resume)
	$(PLATFORM) fault "$(PART)" "$(ACTION)"
