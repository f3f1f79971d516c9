# Berth: build, test, install, demo. Run as root on Debian bookworm.
PREFIX   ?= /usr/local
DESTDIR  ?=
SYSCONFDIR ?= /etc
MVN      ?= mvn -B -q
VERSION  := 0.1.0-SNAPSHOT
LIBDIR    = $(DESTDIR)$(PREFIX)/lib/berth
MANDIR    = $(DESTDIR)$(PREFIX)/share/man
IMAGE_DIR = build/images/busybox

# What berth needs to run, and what its tests and benchmarks need on top.
# fuse and libfuse2: berth-viewfs, the resource views' server (without libfuse2 it cannot start); procps: top's ps; tini: --init's static init; libssl3: pulls hash with libcrypto's SHA-256 (the JDK's digest, 10x slower in berthd's C1-only JVM, is the fallback).
RUN_PKGS  = runc busybox-static openjdk-17-jre-headless iptables containernetworking-plugins util-linux fuse libfuse2 procps libssl3 tini
# asciidoctor: the man pages, generated from the CLI's picocli model as AsciiDoc, become troff at install.
BUILD_PKGS = openjdk-17-jdk-headless maven gcc make libc6-dev asciidoctor
# systemd-container, debootstrap, e2fsprogs and qemu-system-x86 build and boot the systemd and cgroup v2 guests.
TEST_PKGS = $(RUN_PKGS) $(BUILD_PKGS) valgrind python3 umoci skopeo jq curl docker-registry apache2-utils \
            systemd-container debootstrap e2fsprogs qemu-system-x86
BENCH_PKGS = hyperfine podman conmon containerd lxcfs

.PHONY: all build shim image java run-deps deps test-deps bench-deps install demo test test-shim test-java soak bench fuzz clean

all: build

build: java shim image

java:
	$(MVN) install -DskipTests

shim:
	$(MAKE) -C shim/c

# Berth's built-in image, made from Debian's busybox-static so nothing needs the internet.
image: java
	java -cp "daemon/target/lib/*" dev.berth.image.BuiltinImage $(IMAGE_DIR)

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

run-deps:
	$(call apt_install,$(RUN_PKGS))

deps:
	$(call apt_install,$(RUN_PKGS) $(BUILD_PKGS))

test-deps:
	$(call apt_install,$(TEST_PKGS))

bench-deps: test-deps
	$(call apt_install,$(BENCH_PKGS))

# Installing onto this host (no DESTDIR) installs the packages berth runs on too, libfuse2 for berth-viewfs
# among them; a staged install (DESTDIR, for packaging) leaves them to the package's dependencies.
install: $(if $(DESTDIR),,run-deps) build
	install -d $(LIBDIR)/daemon $(LIBDIR)/cli $(LIBDIR)/viewfs/lib $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/berth/images \
	  $(DESTDIR)$(SYSCONFDIR)/berth $(DESTDIR)$(SYSCONFDIR)/systemd/system
	rm -f $(LIBDIR)/daemon/*.jar $(LIBDIR)/cli/*.jar $(LIBDIR)/viewfs/*.jar $(LIBDIR)/viewfs/lib/*.jar
	install -m 0644 viewfs/target/berth-viewfs-*.jar $(LIBDIR)/viewfs/
	install -m 0644 viewfs/target/lib/*.jar $(LIBDIR)/viewfs/lib/
	install -m 0755 viewfs/src/main/sh/berth-viewfs $(DESTDIR)$(PREFIX)/bin/berth-viewfs
	install -m 0644 daemon/target/lib/*.jar $(LIBDIR)/daemon/
	install -m 0644 cli/target/lib/*.jar $(LIBDIR)/cli/
	install -m 0755 daemon/src/main/sh/berthd $(DESTDIR)$(PREFIX)/bin/berthd
	install -m 0755 cli/src/main/sh/berth $(DESTDIR)$(PREFIX)/bin/berth
	install -m 0755 shim/c/berth-shim $(DESTDIR)$(PREFIX)/bin/berth-shim
	install -m 0755 shim/c/berth-pause $(DESTDIR)$(PREFIX)/bin/berth-pause
	install -m 0755 shim/c/berth-viewfs-remount $(DESTDIR)$(PREFIX)/bin/berth-viewfs-remount
	install -m 0755 shim/c/berth-viewfs-keeper $(DESTDIR)$(PREFIX)/bin/berth-viewfs-keeper
	install -m 0755 shim/c/berth-viewfs-notify $(DESTDIR)$(PREFIX)/bin/berth-viewfs-notify
	rm -rf $(DESTDIR)$(PREFIX)/share/berth/images/busybox
	cp -r $(IMAGE_DIR) $(DESTDIR)$(PREFIX)/share/berth/images/busybox
	install -m 0644 contrib/systemd/berthd.service $(DESTDIR)$(SYSCONFDIR)/systemd/system/berthd.service
	install -m 0644 contrib/systemd/berth-viewfs.service $(DESTDIR)$(SYSCONFDIR)/systemd/system/berth-viewfs.service
	[ -f $(DESTDIR)$(SYSCONFDIR)/berth/berth.toml ] || install -m 0644 contrib/berth.toml $(DESTDIR)$(SYSCONFDIR)/berth/berth.toml
	[ -n "$$(find $(DESTDIR)$(SYSCONFDIR)/cni/net.d -maxdepth 1 -type f \( -name '*.conflist' -o -name '*.conf' -o -name '*.json' \) 2>/dev/null)" ] || install -D -m 0644 contrib/cni/10-berth-bridge.conflist $(DESTDIR)$(SYSCONFDIR)/cni/net.d/10-berth-bridge.conflist
	bash cli/src/main/sh/make-cds.sh $(LIBDIR)/cli
	$(if $(DESTDIR),,BERTH_CLI=$(PREFIX)/bin/berth BERTH_TRAINING_IMAGE=$(CURDIR)/$(IMAGE_DIR) bash daemon/src/main/sh/make-daemon-cds.sh $(LIBDIR)/daemon shim/c)
	install -d $(MANDIR)/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	asciidoctor -b manpage -D $(MANDIR)/man1 cli/target/man/*.adoc
	BERTH_LIB=cli/target/lib cli/src/main/sh/berth completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/berth
	BERTH_LIB=cli/target/lib cli/src/main/sh/berth completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/berth.fish

# Berth's main job on a fresh machine: install, start berth-viewfs and berthd, run containers from the
# built-in image.
demo: deps install
	@bash contrib/demo.sh

test: test-deps build test-shim test-java

test-shim:
	$(MAKE) -C shim/c test

# Under CI=true a skipped test that .ci/allowed-skips does not name fails the run (the guests included).
test-java:
	mvn -B -ntp verify
	python3 .ci/check-skips.py

bench: bench-deps build
	bash bench/run.sh
	bash bench/pull.sh
	bash bench/viewfs.sh
	bash bench/viewfs-containers.sh 200 60 viewfs
	bash bench/viewfs-containers.sh 200 60 lxcfs
	bash bench/cri.sh
	bash bench/readopt.sh

# Fuzzes each Jazzer target for FUZZ_SECONDS (`mvn verify` only replays the committed corpus).
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash contrib/fuzz.sh

# The long runs of the hardening tests (docs/hardening.md has the figures): berthd SIGKILLed at each of its
# fail points SOAK_TRIALS times (CI does one trial each), the kill -9 restart and mid-pull crash tests, and
# LoadIT with SOAK_CONTAINERS containers through their CRI lifecycle at once (CI runs 30).
SOAK_TRIALS ?= 7
SOAK_CONTAINERS ?= 100
soak: test-deps build
	mvn -B -ntp -pl integration-tests -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test='CrashConsistencyIT,DaemonRestartIT,PullCrashIT,LoadIT' -Dberth.faultinj.trials=$(SOAK_TRIALS) \
	  -Dberth.load.containers=$(SOAK_CONTAINERS)

clean:
	$(MVN) clean
	$(MAKE) -C shim/c clean
	rm -rf build
