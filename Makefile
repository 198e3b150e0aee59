# Ransel's two commands: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BOOT := scripts/bootstrap.sh
RANSEL := .venv/bin/ransel
# pytest arguments, e.g. make test ARGS="-k scheduler -x"
ARGS ?=

.PHONY: help demo test setup envs debian-demo debian-test model clean-local

help:
	@echo "make demo   Ransel on a demo school (SQLite, every service, no accounts needed)"
	@echo "make test   the whole test suite (SQLite and PostgreSQL)"

envs:
	@$(BOOT) app
	@$(BOOT) engine

debian-demo:
	@$(BOOT) debian demo

debian-test:
	@$(BOOT) debian test

model: envs
	@$(RANSEL) train
	@$(RANSEL) speech setup

demo: debian-demo model
	@$(RANSEL) demo

test: debian-test model
	@.venv/bin/python -m pytest $(ARGS)

clean-local:
	rm -rf data/local
