# Haven: the two commands a newcomer needs are `make run` and `make test`.
SWIFT ?= swift
HAVEN := .build/debug/haven

.PHONY: run test deps build lint format db-stop help

help:
	@echo "make run    install what is missing, build, start the embedded database, migrate, seed, serve on http://127.0.0.1:8080"
	@echo "make test   install what is missing, lint, and run the whole test suite against a throwaway database"
	@echo "make format format the Swift sources in place"
	@echo "make db-stop stop the embedded database started by make run"

deps:
	@scripts/ensure-system-packages.sh

build: deps
	$(SWIFT) build --product haven

run: build
	$(HAVEN) db start
	$(HAVEN) migrate
	$(HAVEN) seed
	$(HAVEN) serve

test:
	@scripts/ensure-system-packages.sh --for-tests
	scripts/test.sh

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

db-stop:
	$(HAVEN) db stop
