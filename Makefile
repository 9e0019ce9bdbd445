# The README's two commands: `make demo` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME := var/demo

.PHONY: install test demo bench bench-email soak crash-soak scale-demo fuzz clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@# setuptools warns loudly about every editable install; keep its log for when it fails
	@$(BIN)/python -m pip install -q --no-deps -e . > $(VENV)/editable.log 2>&1 || (cat $(VENV)/editable.log; exit 1)
	@touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/python -m pytest -q

# A fresh demo home each time, so the summary shows what these samples do on their own.
demo: install
	@rm -rf $(DEMO_HOME)
	@mkdir -p $(DEMO_HOME)/inbox
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate db upgrade
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate seed samples/masterdata
	cp samples/x12/*.edi samples/edifact/*.edi $(DEMO_HOME)/inbox/
	@# Order tables do not say who sent them: each goes into its customer's folder, inbox/<id>/.
	@for c in acme initech globex; do \
		id=$$(echo $$c | tr a-z A-Z); mkdir -p $(DEMO_HOME)/inbox/$$id; \
		cp samples/csv/$${c}_*.csv $(DEMO_HOME)/inbox/$$id/; done
	@# Exit 1 means a document failed: some samples are meant to (not_an_order.edi, a mail from
	@# an unknown sender), so the demo carries on; any other code stops it.
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate poll || [ $$? -eq 1 ]
	@# The demo mailbox is a local Maildir: the sample mails are "delivered" into its new/.
	@mkdir -p $(DEMO_HOME)/maildir/new $(DEMO_HOME)/maildir/cur $(DEMO_HOME)/maildir/tmp
	@for f in samples/email/*.eml; do cp $$f $(DEMO_HOME)/maildir/new/$$(basename $$f .eml); done
	@# Only our own mail server's Authentication-Results prove a sender; the sample mails carry
	@# the header the demo's (imagined) server mx.ordergate.example adds.
	ORDERGATE_HOME=$(DEMO_HOME) ORDERGATE_MAIL_TRUSTED_AUTHSERV_IDS=mx.ordergate.example $(BIN)/ordergate mail poll || [ $$? -eq 1 ]
	@# The warehouse: a pick list for every accepted order, then the shipments it confirms: ACME's
	@# and GLOBEX's 850s ship whole (856), INITECH's ORDERS in part (DESADV). INITECH's CSV order
	@# was short of stock; a receipt fills its backorders and it ships whole (a CSV notice).
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate pick
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate shipments import samples/fulfilment/shipments.csv
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate stock receive samples/fulfilment/receipts.csv
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate shipments import samples/fulfilment/shipments_after_receipt.csv
	@# Each shipment was invoiced as it was recorded (810, INVOIC, or a Factur-X PDF and a CSV).
	@# The bank's payment file pays the first invoice in full and the second in part.
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate invoices list
	@ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate invoices list --json | $(BIN)/python samples/billing/make_payments.py > $(DEMO_HOME)/payments.csv
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate payments import $(DEMO_HOME)/payments.csv
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate ar aging
	ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate outbox deliver
	@echo
	@echo "What went out for the shipments:"
	@ls $(DEMO_HOME)/outbox/*/856_* $(DEMO_HOME)/outbox/*/DESADV_* $(DEMO_HOME)/outbox/*/*_shipment_*.csv
	@echo "... and the invoices:"
	@ls $(DEMO_HOME)/outbox/*/810_* $(DEMO_HOME)/outbox/*/INVOIC_* $(DEMO_HOME)/outbox/*/invoice_*.eml $(DEMO_HOME)/outbox/*/INV-*.csv
	@ORDERGATE_HOME=$(DEMO_HOME) $(BIN)/ordergate report --out $(DEMO_HOME)/report > /dev/null
	@echo "The operations report with its charts: $(DEMO_HOME)/report/report.md"
	@echo
	@echo "Look around: export ORDERGATE_HOME=$$PWD/$(DEMO_HOME); $(BIN)/ordergate orders list; $(BIN)/ordergate holds list; $(BIN)/ordergate orders show 1; ls $(DEMO_HOME)/outbox/* $(DEMO_HOME)/picking"

bench: install
	$(BIN)/python -m benchmarks.bench_e2e
	$(BIN)/python -m benchmarks.bench_edifact_e2e
	$(BIN)/python -m benchmarks.bench_edifact_parse
	$(BIN)/python -m benchmarks.bench_invoice
	$(BIN)/python -m benchmarks.bench_ship
	$(BIN)/python -m benchmarks.bench_scale
	$(BIN)/python -m benchmarks.bench_queries
	$(BIN)/python -m benchmarks.bench_migration

# ordergate ingest killed with SIGKILL at random moments, 50 times on SQLite and on PostgreSQL,
# rerun until done; the invariants (orders, 855s, 997s, stock, credit, outbox files) checked.
crash-soak: install
	$(BIN)/python -m benchmarks.crash_soak

# A Prefect server, the `ordergate` process pool, `ordergate deploy`, PostgreSQL and a shared
# inbox: 50 interchanges (20,000 orders) with one worker, then two; every order, 855, 997 and
# outbox file once, stock never below zero; the throughput of each. About 5 minutes.
scale-demo: install
	$(BIN)/python -m benchmarks.scale_demo

# The served deployments for 30 minutes at a 5 s poll with files arriving: API latency and errors.
soak: install
	$(BIN)/python -m benchmarks.soak_serve

# The email channel end to end: needs Dovecot (apt-get install dovecot-imapd); about 3 minutes.
bench-email: install
	$(BIN)/python -m benchmarks.bench_email

# Hostile input: FUZZ_COUNT generated inputs per reader (pdf-file and e2e get 1% of it), on 2
# processes; failures are grouped, known ones labelled (benchmarks/fuzz/known.py). See FUZZING.md.
FUZZ_COUNT ?= 100000
FUZZ_SEED  ?= 1
fuzz: install
	$(BIN)/python -m benchmarks.fuzz --reader all --count $(FUZZ_COUNT) --seed $(FUZZ_SEED) --jobs 2 --pdf-file-share 0.01

clean:
	rm -rf var .pytest_cache
