# SIP-guiden. The two commands of the README:
#   make run    set everything up, train if needed, start the bot
#   make test   set everything up, train if needed, run every check
# Every target does its own set-up (scripts/setup.sh is idempotent and fast when done).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: help setup setup-scale train run run-scaled shell check test test-scale validate unit conversations nlu-eval eval lookups lock clean knowledge compare bench teams-package purge forget export

help:
	@echo "SIP-guiden – make-mål:"
	@echo "  make check    snabba tester: kärnan, actions och data (tests/unit, tests/actions), utan servrar och träning (<1 min)"
	@echo "  make run      starta boten (actionserver + Rasa-server med REST-kanal)"
	@echo "  make test     kör alla tester (datavalidering, pytest, samtalstester)"
	@echo "  make shell    chatta med boten i terminalen"
	@echo "  make run-scaled  PostgreSQL + Redis + 2 Rasa-repliker bakom nginx (SIPGUIDEN_REPLICAS=n)"
	@echo "  make test-scale  testa den skalade uppsättningen (repliker, låsning, avbrott)"
	@echo "  make purge    radera samtal och gamla sessioner äldre än DAYS dagar (standard 30; SCALED=1 för PostgreSQL)"
	@echo "  make forget SENDER=…  radera allt om ett samtal (SCALED=1 för PostgreSQL)"
	@echo "  make export SENDER=… [OUT=fil]  exportera ett samtal som JSON (SCALED=1 för PostgreSQL)"
	@echo "  make train    träna modellen (bara om data/config/domän ändrats)"
	@echo "  make knowledge  kontrollera kunskapsbasen och alla citat mot källtexterna"
	@echo "  make nlu-eval mät avsikter och entiteter på den undanhållna testmängden (tests/nlu)"
	@echo "  make eval     spela hela samtal ur tests/eval mot riktiga servrar och mät (EVAL_ARGS=…)"
	@echo "  make compare  skriv docs/jamforelse.md: regionernas skillnader ämne för ämne"
	@echo "  make bench    mät vår konfiguration mot Rasas standard (bench/results.json, ~20 min)"
	@echo "  make lookups  skriv om data/nlu/lookups.yml och data/question_rules.yml från knowledge/"
	@echo "  make teams-package  bygg Teams-appaketet var/teams/sipguiden-teams.zip (SIPGUIDEN_TEAMS_APP_ID, _DOMAIN)"
	@echo "  make lock     lås om beroendena i requirements.lock (kräver nätverk)"
	@echo "  make clean    ta bort modell, testresultat och körfiler (inte samtalen)"

setup:
	@bash scripts/setup.sh

train: setup
	@$(PY) scripts/train.py

run: train
	@$(PY) scripts/run.py servers

# The scaled set-up: PostgreSQL (Rasa's SQL tracker store), Redis (Rasa's lock store), several
# Rasa replicas and nginx in front, all local processes with their data under var/scale/.
setup-scale: setup
	@bash scripts/setup-scale.sh

run-scaled: train setup-scale
	@$(PY) scripts/scaled.py run

test-scale: train setup-scale
	@echo "==> den skalade uppsättningen (tests/scale)"
	@$(PY) -m pytest tests/scale -p no:cacheprovider

shell: train
	@$(PY) scripts/run.py shell

validate: setup
	@echo "==> rasa data validate"
	@$(RASA) data validate --fail-on-warnings --config config.yml --domain domain.yml --data data

# The edit-test loop: the pure-Python tests (tests/unit, tests/actions) without the integration
# servers, training or the slow tests (marker `slow`: subprocesses, Rasa's SQL store, spaCy).
# make test stays the whole contract.
check: setup
	@echo "==> snabba tester (tests/unit, tests/actions; inga servrar, ingen träning)"
	@$(PY) -m pytest tests/unit tests/actions -m "not integration and not slow" -q -p no:cacheprovider

unit: setup
	@echo "==> pytest (enhets-, action- och integrationstester)"
	@$(PY) -m pytest --ignore=tests/scale

conversations: train
	@echo "==> Rasas berättelsetester (tests/stories)"
	@rm -rf var/test-results
	@$(RASA) test core --model models/sipguiden.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out var/test-results --no-plot
	@echo "Alla samtalstester gick igenom (results in var/test-results)."

nlu-eval: train
	@echo "==> NLU på den undanhållna testmängden (tests/nlu, aldrig tränad på)"
	@$(PY) scripts/nlu_eval.py --min-f1 0.95

# Whole conversations as people write them (tests/eval, issue 18), through the real servers.
# The floor is the pass rate reached, less a small margin: make test fails below it.
EVAL_MIN_PASS ?= 0.90
eval: train
	@echo "==> hela samtal på utvärderingsmängden (tests/eval)"
	@$(PY) scripts/eval.py --json var/eval/summary.json --min-pass $(EVAL_MIN_PASS) $(EVAL_ARGS)

test: train validate conversations nlu-eval eval unit

knowledge: setup
	@$(PY) scripts/check_knowledge.py

compare: setup
	@$(PY) scripts/compare.py

# Ours vs Rasa's default configuration, both trained from scratch into a temporary folder
# (never models/). BENCH_QUICK=1 shortens the load phase.
bench: setup
	@$(PY) scripts/bench.py

# The conversation data lifecycle (bot/lifecycle.py): retention, erasure and export, on the
# store of the SIPGUIDEN_* settings (SQLite by default), or on the scaled set-up's PostgreSQL
# with SCALED=1.
LIFECYCLE := $(PY) scripts/lifecycle.py $(if $(filter 1 yes true ja,$(SCALED)),--scaled)

purge: setup
	@$(LIFECYCLE) purge $(if $(DAYS),--days $(DAYS))

forget: setup
	@$(LIFECYCLE) forget "$(SENDER)"

# The set-up's messages go to stderr here, so stdout is the JSON alone (make export SENDER=x > fil.json).
export:
	@bash scripts/setup.sh >&2
	@$(LIFECYCLE) export "$(SENDER)" $(if $(OUT),--out "$(OUT)")

lookups: setup
	@$(PY) scripts/generate_lookups.py
	@$(PY) scripts/generate_question_rules.py

# The SIP coordinator's report (issue 14): var/report/index.html from the tracker store and the
# feedback table, read-only, counts only (scripts/report.py); SCALED=1 for PostgreSQL, OUT=mapp.
.PHONY: report
report: setup
	@$(PY) scripts/report.py $(if $(filter 1 yes true ja,$(SCALED)),--scaled) $(if $(OUT),--out "$(OUT)")

# The Microsoft Teams app package (manifest + icons), checked against the manifest's rules.
teams-package: setup
	@$(PY) scripts/teams_package.py

# Re-lock after editing requirements.in. Resolves for Linux x86_64, CPython 3.10.
lock: setup
	@$(PY) -m pip install --quiet uv==0.13.9
	@$(VENV)/bin/uv pip compile requirements.in --generate-hashes --python-version 3.10 \
		--python-platform x86_64-unknown-linux-gnu --no-header -o requirements.lock

clean:
	rm -rf models var/test-results var/run var/spacy-sv .rasa .pytest_cache
