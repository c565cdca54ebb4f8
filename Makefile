# Two commands on a fresh machine:  make demo  (set up + run the main job)  ·  make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN ?= runs/demo
EXTRAS ?= test
INSTALL_LOG := $(VENV)/install.log

.PHONY: demo test bench clean

# pip's output goes to $(INSTALL_LOG) (shown only if the install fails), so that the demo's
# summary is the last thing on the screen.
$(BIN)/.installed: pyproject.toml
	@echo "setting up $(VENV) (pip log: $(INSTALL_LOG)) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --upgrade pip > $(INSTALL_LOG) 2>&1 || { tail -n 30 $(INSTALL_LOG); exit 1; }
	@$(BIN)/python -m pip install -e '.[$(EXTRAS)]' >> $(INSTALL_LOG) 2>&1 || { tail -n 30 $(INSTALL_LOG); exit 1; }
	@touch $@

demo: $(BIN)/.installed
	@rm -rf $(RUN)
	@$(BIN)/gem synthesize examples/corpus --out $(RUN)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n auto --dist loadfile

bench: $(BIN)/.installed
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
