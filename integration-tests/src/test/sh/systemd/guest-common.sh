# Sourced by run-in-nspawn.sh and run-in-vm.sh: what both do before booting their guest.
# Needs: repo, m2, SYSD_DIR, SYSD_EXTRA_PACKAGES and a log function.

# require_visible_classpath CLASSPATH: the guest sees only the repository and ~/.m2 (at the same paths)
require_visible_classpath() {
  local e entries
  IFS=: read -r -a entries <<< "$1"
  for e in "${entries[@]}"; do
    case $(realpath -m "$e") in
      "$repo"/*|"$m2"/*) ;;
      *) echo "classpath entry $e is neither under $repo nor under $m2: the guest cannot see it" >&2; exit 2 ;;
    esac
  done
}

# build_once ARTIFACT DESCRIPTION COMMAND...: runs COMMAND unless ARTIFACT exists from a build with
# the same package list; one build at a time. Exits 77 (no guest here) when the build fails.
build_once() {
  local artifact=$1 what=$2 stamp=$SYSD_DIR/berth-guest-packages start=$SECONDS
  shift 2
  if [ "$(id -u)" != 0 ]; then echo "the guest needs root" >&2; exit 77; fi
  mkdir -p "$SYSD_DIR"
  exec 9> "$SYSD_DIR.lock"
  flock 9
  if [ ! -e "$artifact" ] || [ "$(cat "$stamp" 2> /dev/null)" != "$SYSD_EXTRA_PACKAGES" ]; then
    log "building $what in $SYSD_DIR (once; a few minutes)"
    if ! "$@"; then
      echo "cannot build $what (debootstrap from the host's Debian mirror failed? see $SYSD_DIR/*.log)" >&2
      exit 77
    fi
    echo "$SYSD_EXTRA_PACKAGES" > "$stamp"
    log "$what built in $((SECONDS - start)) s"
  fi
  exec 9>&-
}
