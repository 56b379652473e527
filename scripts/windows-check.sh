#!/usr/bin/env bash
# CI: the Windows pieces without Windows. Cross-builds service/platform/windows (static library),
# the stand-in program and the check program with mingw-w64; runs the check under wine (a service
# round trip through wine's service control manager); builds the MSI from installer/windows with
# wixl and checks its tables with msiinfo.
#   BUILD_DIR=…   build folder (default build-windows/)
#   NO_WINE=1     skip the wine run (the build and the MSI checks still run)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/install-deps.sh windows

build_dir=${BUILD_DIR:-build-windows}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
fi
cmake -S installer/windows -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" "${launcher[@]}"
cmake --build "$build_dir" -j"$(nproc)"
bin=$root/$build_dir/bin

fail() {
  echo "windows-check: $*" >&2
  exit 1
}

# 0. The Qt program's Windows branches (its SCM host in app/windows, the control pipe's client
#    check, all code that branches on Q_OS_WIN, Q_OS_UNIX or Q_OS_LINUX) need Qt for Windows to
#    build, which Debian lacks. mingw-w64 compiles them against Debian's Qt headers with
#    -fsyntax-only: no objects, but every name and type is checked, so a slip there fails here
#    rather than on a Windows build machine.
qt_include=$(qtpaths6 --query QT_INSTALL_HEADERS 2>/dev/null || echo /usr/include/x86_64-linux-gnu/qt6)
gsl_only=$(mktemp -d)
ln -s /usr/include/gsl "$gsl_only/gsl" # GSL is header-only; the rest of /usr/include is Linux's
mapfile -t windows_branches < <(
  { grep -rlE --include='*.cpp' 'Q_OS_(WIN|UNIX|LINUX)' service shared configurator; ls service/app/windows/*.cpp; } | sort -u
)
for source in "${windows_branches[@]}"; do
  x86_64-w64-mingw32-g++-posix -std=c++20 -fsyntax-only -w -DUNICODE -D_UNICODE -DWIN32_LEAN_AND_MEAN -DNOMINMAX \
    -D_WIN32_WINNT=0x0A00 -DAAP_VERSION='"0"' -Iservice -Ishared -Iconfigurator -I"$build_dir/messages" \
    -I"$qt_include" -I"$qt_include/QtCore" -I"$qt_include/QtNetwork" -idirafter "$gsl_only" "$source" ||
    fail "$source does not compile for Windows"
done
rm -rf "$gsl_only"
echo "windows-check: ${#windows_branches[@]} files with Windows branches compile for Windows (syntax only)"

# 1. The MSI, with the stand-in for both Qt programs and an empty Qt runtime (windeployqt runs on a
#    Windows build machine; docs/windows.md). wixl takes Source paths relative to where it runs.
msi_dir=$root/$build_dir/msi
rm -rf "$msi_dir"
mkdir -p "$msi_dir/bin" "$msi_dir/resources" "$msi_dir/qt-runtime"
cp "$bin/aad-auth-proxy-standin.exe" "$msi_dir/bin/aad-auth-proxy.exe"
cp "$bin/aad-auth-proxy-standin.exe" "$msi_dir/bin/aad-auth-proxy-configurator.exe"
cp resources/aad-auth-proxy.conf "$msi_dir/resources/"
version=$(sed -n 's/^project(aad-auth-proxy VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ -n $version ]] || fail "no version in CMakeLists.txt"
(
  cd "$msi_dir"
  find qt-runtime -type f | wixl-heat -p qt-runtime/ --directory-ref INSTALLDIR --var var.QtRuntimeDir \
    --component-group QtRuntime >qt-runtime.wxs
  # wixl warns about WiX attributes it does not implement (Platform, NeverOverwrite, Permanent).
  wixl -a x64 -D Version="$version" -D BinDir=bin -D ResourceDir=resources -D QtRuntimeDir=qt-runtime \
    -o aad-auth-proxy.msi "$root/installer/windows/aad-auth-proxy.wxs" qt-runtime.wxs 2>wixl.log ||
    { cat wixl.log >&2; exit 1; }
)
msi=$msi_dir/aad-auth-proxy.msi
[[ -s $msi ]] || fail "no MSI built"

# msiinfo exports a table as tab-separated rows with CRLF line ends, after three header lines.
table() { msiinfo export "$msi" "$1" | tr -d '\r' | tail -n +4; }
# One row of an MSI table must match a regex.
expect_row() {
  local name=$1 regex=$2
  table "$name" | grep -qP "$regex" ||
    fail "table $name has no row matching: $regex"
}
tab='\t'
# ServiceInstall: own process (16), manual start (3), normal error control (1), the virtual account.
expect_row ServiceInstall "^ServiceInstall${tab}aad-auth-proxy${tab}[^\t]+${tab}16${tab}3${tab}1${tab}.*NT SERVICE\\\\aad-auth-proxy${tab}.*${tab}ServiceProgram${tab}"
# ServiceControl: stop on install and uninstall, delete on uninstall (0x02|0x20|0x80), wait.
expect_row ServiceControl "^ServiceControl${tab}aad-auth-proxy${tab}162${tab}${tab}1${tab}ServiceProgram$"
for component in ServiceProgram ConfiguratorProgram DefaultConfig StartMenuShortcut; do
  # 256: 64-bit component.
  expect_row Component "^${component}${tab}\{[0-9A-F-]{36}\}${tab}[A-Za-z]+${tab}(256|260)${tab}"
done
expect_row File "^ServiceExe${tab}ServiceProgram${tab}aad-auth-proxy\.exe${tab}"
expect_row File "^ConfiguratorExe${tab}ConfiguratorProgram${tab}aad-auth-proxy-configurator\.exe${tab}"
expect_row File "^DefaultConfigFile${tab}DefaultConfig${tab}aad-auth-proxy\.conf${tab}"
expect_row Directory "^CONFIGDIR${tab}CommonAppDataFolder${tab}aad-auth-proxy$"
expect_row Registry "${tab}2${tab}SYSTEM\\\\CurrentControlSet\\\\Services\\\\EventLog\\\\Application\\\\aad-auth-proxy${tab}EventMessageFile${tab}\[#ServiceExe\]${tab}ServiceProgram$"
expect_row Registry "${tab}TypesSupported${tab}#7${tab}ServiceProgram$"
expect_row Shortcut "^ConfiguratorShortcut${tab}ProgramMenuFolder${tab}aad-auth-proxy Configurator${tab}StartMenuShortcut${tab}\[#ConfiguratorExe\]"
# The recovery actions and the config ACL: `aad-auth-proxy.exe configure`, deferred, as SYSTEM
# (18 exe from an installed file | 0x400 deferred | 0x800 no impersonation), after InstallServices.
expect_row CustomAction "^ConfigureService${tab}3090${tab}ServiceExe${tab}configure"
install_services=$(table InstallExecuteSequence | awk -F'\t' '$1 == "InstallServices" { print $3 }')
expect_row InstallExecuteSequence "^ConfigureService${tab}NOT REMOVE${tab}$((install_services + 1))$"
echo "windows-check: MSI tables checked ($(du -h "$msi" | cut -f1) $msi)"

# 2. Under wine, in a prefix of its own (made fresh: a previous run's services and registry must
#    not leak into this one): the check program, then the MSI installed and removed with msiexec.
if [[ ${NO_WINE:-0} == 1 ]]; then
  exit 0
fi
export WINEPREFIX=$root/$build_dir/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64
rm -rf "$WINEPREFIX"
stop_wine() { "$wineserver" -k 2>/dev/null || true; }
trap stop_wine EXIT
start=$SECONDS
timeout 300 "$wine" wineboot --init >/dev/null 2>&1 || fail "wineboot failed"
# wineboot returns before the prefix's first start has settled: wait until wine has exited.
timeout 120 "$wineserver" -w || fail "wine did not settle"
echo "windows-check: wine prefix ready in $((SECONDS - start)) s"
start=$SECONDS
timeout 300 "$wine" "$bin/windows-pieces-check.exe" "$bin/aad-auth-proxy-standin.exe" || fail "checks failed under wine"
echo "windows-check: wine checks passed in $((SECONDS - start)) s"

# The MSI under wine's msiexec: files, the service and the event source, the `configure` custom
# action (its log line); the uninstall removes them. (Wine's msiexec writes the service's path unquoted, so the
# installed service does not start under wine; the check program's round trip covers starting.)
start=$SECONDS
registry_value() { # key value-name: prints the data
  timeout 60 "$wine" reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v name="$2" '$1 == name { $1 = ""; $2 = ""; sub(/^ +/, ""); print }'
}
service_key='HKLM\System\CurrentControlSet\Services\aad-auth-proxy'
source_key='HKLM\System\CurrentControlSet\Services\EventLog\Application\aad-auth-proxy'
drive_c=$WINEPREFIX/drive_c
msi_log=$root/$build_dir/msi/install.log
timeout 300 "$wine" msiexec /i "$msi" /qn /l*v "Z:$msi_log" >/dev/null 2>&1 || fail "msiexec /i failed"
# The log is UTF-16 on Windows and UTF-8 under wine; drop NULs either way.
tr -d '\0' <"$msi_log" | grep -q 'Action ended .*: ConfigureService\. Return value 1\.' ||
  fail "the ConfigureService custom action did not succeed (see $msi_log)"
for file in "Program Files/aad-auth-proxy/aad-auth-proxy.exe" "Program Files/aad-auth-proxy/aad-auth-proxy-configurator.exe" \
  "ProgramData/aad-auth-proxy/aad-auth-proxy.conf"; do
  [[ -f $drive_c/$file ]] || fail "msiexec did not install C:/$file"
done
cmp -s "$drive_c/ProgramData/aad-auth-proxy/aad-auth-proxy.conf" resources/aad-auth-proxy.conf ||
  fail "the installed default configuration differs from resources/aad-auth-proxy.conf"
[[ $(registry_value "$service_key" ObjectName) == 'NT SERVICE\aad-auth-proxy' ]] || fail "service account"
[[ $(registry_value "$service_key" Start) == 0x3 ]] || fail "service start type is not manual"
[[ $(registry_value "$service_key" ImagePath) == *'\aad-auth-proxy\aad-auth-proxy.exe'* ]] || fail "service path"
[[ $(registry_value "$source_key" EventMessageFile) == *'\aad-auth-proxy\aad-auth-proxy.exe' ]] ||
  fail "event source not registered"
timeout 300 "$wine" msiexec /x "$msi" /qn >/dev/null 2>&1 || fail "msiexec /x failed"
[[ -z $(registry_value "$service_key" ImagePath) ]] || fail "the service is still installed after msiexec /x"
[[ ! -e "$drive_c/Program Files/aad-auth-proxy" ]] || fail "program folder left after msiexec /x"
echo "windows-check: MSI installed and removed under wine in $((SECONDS - start)) s"
