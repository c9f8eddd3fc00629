# First two commands for a newcomer: `make lab` (open the course) and `make test` (run every test).
# `make lab` opens the Korean edition with JupyterLab in Korean; `make lab EDITION=en` the English one.
# Everything lives in .venv beside this file; nothing is registered globally.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8888
# Root needs --allow-root; no display (or HEADLESS=1) means no browser is opened.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,) \
             $(if $(or $(HEADLESS),$(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,1)),--no-browser,)
PYTEST_ARGS ?=
# Which learner edition `make lab` opens: ko (notebooks/ko, JupyterLab in Korean) or en.
EDITION ?= ko
LAB_LOCALE_ko := ko_KR
LAB_LOCALE_en := en
# JupyterLab's user settings for the edition, kept in the venv: the locale is written there on every
# `make lab`, so the edition picks JupyterLab's language whatever was chosen in its menu last time.
LAB_SETTINGS_DIR ?= $(VENV)/lab-settings/$(EDITION)
LAB_LOCALE_FILE := $(LAB_SETTINGS_DIR)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
# The learner's own copies (untracked): JupyterLab autosaves there, never into a tracked file.
WORKSPACE ?= workspace/$(EDITION)

.PHONY: install lab lab-settings workspace test assign handouts bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# byte-compile the package as pip does for a regular install (an editable one is not; with
	@# PYTHONDONTWRITEBYTECODE set, every grading process would compile it from source again)
	$(PY) -m compileall -q workbook
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

lab-settings:
	$(if $(LAB_LOCALE_$(EDITION)),,$(error EDITION must be ko or en, not '$(EDITION)'))
	@mkdir -p $(dir $(LAB_LOCALE_FILE))
	@echo '{"locale": "$(LAB_LOCALE_$(EDITION))"}' > $(LAB_LOCALE_FILE)

# Copies the edition's lectures and exercises into $(WORKSPACE) (gitignored); a notebook already
# there is never overwritten (it holds the learner's work): delete it to get the course's newest one.
workspace:
	$(if $(LAB_LOCALE_$(EDITION)),,$(error EDITION must be ko or en, not '$(EDITION)'))
	@mkdir -p $(WORKSPACE)/notebooks $(WORKSPACE)/exercises
	@cp -n notebooks/$(EDITION)/*.ipynb $(WORKSPACE)/notebooks/
	@cp -n exercises/$(EDITION)/*.ipynb $(WORKSPACE)/exercises/

lab: install lab-settings workspace
	@echo "Opening JupyterLab on your copy of the $(EDITION) edition in $(WORKSPACE)/ at http://$(HOST):$(PORT)/lab/tree/notebooks (the token is in the URL printed below)"
	$(VENV)/bin/jupyter lab --ServerApp.ip=$(HOST) --ServerApp.port=$(PORT) --ServerApp.root_dir=$(abspath $(WORKSPACE)) \
	  --LabApp.default_url=/lab/tree/notebooks --LabApp.user_settings_dir=$(abspath $(LAB_SETTINGS_DIR)) $(LAB_FLAGS)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

assign: install
	$(VENV)/bin/workbook assign

handouts: install
	$(VENV)/bin/workbook handouts --out site

bench: install
	$(PY) bench/grade_bench.py

clean:
	rm -rf site .pytest_cache
