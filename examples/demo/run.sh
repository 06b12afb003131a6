#!/usr/bin/env bash
# `make demo`: start the Graph emulator with USERS users (a few of whom are
# created, deleted, renamed or changed every second, as in a real tenant),
# point a dev_overrides CLI configuration at a freshly built provider, run
# `terraform apply` (or `tofu apply`: TF_CLI is the CLI's path) on this
# folder's configuration twice: the first lists the directory, the second
# reads only what changed since and reports it. Show the CSV, the changes and
# the compliance report; stop the emulator, also when something fails.
# Everything it makes lives in .demo/ (git-ignored); running it again starts
# from scratch.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
users="${USERS:-10000}"
cli="${TF_CLI:-$(command -v terraform || command -v tofu || true)}"
demo="$root/.demo"
emulator_pid=""

if [ -z "$cli" ]; then
	echo "demo: neither terraform nor tofu is on PATH; run it through 'make demo', which builds one" >&2
	exit 1
fi
cli_name="$(basename "$cli")"

stop_emulator() {
	if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	emulator_pid=""
	rm -f "$demo/emulator.env" # it holds the client secret, and nothing needs it now
}

on_exit() {
	local status=$?
	stop_emulator
	if [ "$status" -ne 0 ]; then
		echo "demo: failed (exit $status); the emulator's log is $demo/emulator.log" >&2
	fi
	exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# The emulator's env file and its log both hold its client secret (its fixed
# default, but a secret all the same), and the CSV holds personal data:
# everything the demo makes is for its owner's eyes only. The log is kept to
# read after a failure; an old one is removed because a redirection keeps
# the mode of the file it truncates.
umask 077
rm -rf "$demo/work" "$demo/emulator.env" "$demo/emulator.log"
mkdir -p "$demo/plugins" "$demo/work"

echo "==> building the provider and the emulator"
go build -o "$demo/plugins/terraform-provider-aad" "$root"
# A built binary rather than `go run`: killing `go run` would not stop the
# emulator it starts.
go build -o "$demo/graphemu" "$root/internal/cmd/graphemu"

echo "==> starting the Graph emulator with $users users"
# A live directory: every second, 2 users created, 1 deleted, 2 renamed and
# 3 changed.
"$demo/graphemu" --users "$users" --env-file "$demo/emulator.env" \
	--churn-interval 1s --churn-creates 2 --churn-deletes 1 --churn-renames 2 --churn-updates 3 \
	</dev/null >"$demo/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 600); do
	[ -s "$demo/emulator.env" ] && break
	if ! kill -0 "$emulator_pid" 2>/dev/null; then
		cat "$demo/emulator.log" >&2
		echo "demo: the emulator stopped before it was ready" >&2
		exit 1
	fi
	sleep 0.2
done
if [ ! -s "$demo/emulator.env" ]; then
	echo "demo: the emulator was not ready after 120 s" >&2
	exit 1
fi
set -a
# shellcheck source=/dev/null
. "$demo/emulator.env"
set +a

# Terraform reads the configuration's "aad-export/aad" as an address in
# registry.terraform.io, OpenTofu as one in registry.opentofu.org: override both.
cat >"$demo/terraformrc" <<CONFIG
provider_installation {
  dev_overrides {
    "registry.terraform.io/aad-export/aad"  = "$demo/plugins"
    "registry.opentofu.org/aad-export/aad" = "$demo/plugins"
  }
  direct {}
}
CONFIG
export TF_CLI_CONFIG_FILE="$demo/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp "$root/examples/demo/main.tf" "$demo/work/main.tf"

apply() {
	echo "==> $cli_name apply ($("$cli" version | sed -n 1p)): $1"
	local started
	started=$(date +%s)
	"$cli" -chdir="$demo/work" apply -auto-approve -input=false -no-color </dev/null | grep -E '^(Apply|Outputs|[a-z_]+ = )' || true
	elapsed=$(($(date +%s) - started))
}
output() { "$cli" -chdir="$demo/work" output -raw "$1"; }

apply "the first snapshot lists the directory"
echo "    $(output user_count) users in ${elapsed}s, mode $(output mode)"
echo "==> the directory changes for a few seconds"
sleep 4
apply "the next snapshot reads only what changed"

csv="$(output output_path)"
rows="$(output user_count)"
errors="$(output error_count)"
sha="$(output sha256)"
changes="$(output changes_path)"
report="$(output report_path)"
summary="$(output changes)"
mode="$(output mode)"
stop_emulator

if [ "$(sha256sum "$csv" | cut -d' ' -f1)" != "$sha" ]; then
	echo "demo: the file's checksum differs from the state's sha256" >&2
	exit 1
fi

echo
echo "CSV:     $csv"
echo "rows:    $rows users ($errors per-user errors), snapshot ($mode) taken in ${elapsed}s by $cli_name apply"
echo "sha256:  $sha"
echo "mode:    $(stat -c %A "$csv")"
echo "first lines:"
head -n 4 "$csv"
echo
echo "changes: $changes ($summary since the first snapshot)"
head -n 6 "$changes"
echo
echo "report:  $report (open it in a browser)"
