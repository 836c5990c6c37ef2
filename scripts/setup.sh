# Shared set-up for ./videovcreg and ./test (sourced, not run).
# Installs what is missing (apt-get as root; otherwise prints the exact line and stops) and builds once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Run time: FFmpeg 5.1's shared libraries (decoding in-process) and its CLI (synthetic data encoding); the real image sets
# --data fashion-mnist and --data digits read (dataset-fashion-mnist; python3-sklearn ships the UCI digits).
RUNTIME_PKGS="libavformat59 libavcodec59 libswscale6 libavutil57 ffmpeg dataset-fashion-mnist python3-sklearn"
# Tests and benchmarks: headers + gcc for the struct-layout probe, PyTorch/torchvision/PyAV for references and peers.
TEST_PKGS="libavformat-dev libavcodec-dev libswscale-dev libavutil-dev gcc libc6-dev python3-torch python3-torchvision python3-av python3-numpy libopenblas0-pthread slurm-wlm munge openmpi-bin libopenmpi-dev"

log() { echo "videovcreg-setup: $*" >&2; }

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages; run as root: $line"
    exit 1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    log "the .NET 10 SDK is required; install it with:"
    log "  curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0 && export PATH=\$HOME/.dotnet:\$PATH"
    exit 1
  fi
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

CLI_DLL="$ROOT/src/Cli/bin/Release/net10.0/videovcreg.dll"

# Builds the CLI when any source, config or build file is newer than the last build.
ensure_built() {
  if [ -f "$CLI_DLL" ] && [ -z "$(find "$ROOT/src" "$ROOT/configs" "$ROOT/build" "$ROOT"/Directory.* \
        -newer "$CLI_DLL" -type f ! -path '*/bin/*' ! -path '*/obj/*' -print -quit)" ]; then
    return 0
  fi
  log "building (Release)"
  dotnet build "$ROOT/src/Cli/VideoVCReg.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  touch "$CLI_DLL"
}
