#!/usr/bin/env bash
# CI: builds the Debian package with CPack, installs it on this machine (dpkg -i, then apt-get -f
# for its dependencies), checks files, modes, owners, the user and groups, the unit
# (systemd-analyze verify) and the installed program (--check-config, as the service's user), then
# purges it and checks that nothing is left, once more without systemd-sysusers (the postinst's
# adduser fallback). Needs root; works without a running systemd (a
# container). Idempotent: a package left installed by an earlier, failed run is purged first.
#   BUILD_DIR=…   build folder (default build-package/; configured with the /usr prefix)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[[ $(id -u) -eq 0 ]] || { echo "package-check: run as root (it installs and purges the package)" >&2; exit 2; }
bash scripts/install-deps.sh packaging

fail() {
  echo "package-check: FAIL: $*" >&2
  exit 1
}
pass() { echo "package-check: ok   $*"; }

package=aad-auth-proxy
etc=/etc/aad-auth-proxy
unit=aad-auth-proxy.service

# 1. Build. Same flags as scripts/test.sh, so ccache serves the objects it already compiled.
build_dir=${BUILD_DIR:-build-package}
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAAP_WERROR=ON \
  -DAAP_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
rm -f "$build_dir"/*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
deb=$(ls "$root/$build_dir"/${package}_*.deb)
pass "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
# The emulator is built with the rest but is a development tool: it must never be shipped.
contents=$(dpkg-deb -c "$deb")
! grep -q emulator <<<"$contents" || fail "the package contains the emulator: $(grep emulator <<<"$contents")"
pass "no aad-auth-proxy-emulator in the package"

# 2. The package's metadata.
depends=$(dpkg-deb -f "$deb" Depends)
for dependency in libqt6core6 libqt6network6 libqt6widgets6 libssl3 libc6; do
  [[ $depends == *"$dependency "* ]] || fail "Depends lacks $dependency (dpkg-shlibdeps): $depends"
done
pass "Depends from dpkg-shlibdeps: $depends"
[[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == "$etc/aad-auth-proxy.conf"$'\n'"$etc/environment" ]] ||
  fail "conffiles are not the config and the environment file"

# 3. Install over whatever an earlier run left.
if dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qv '^not-installed$'; then
  echo "package-check: purging $package left by an earlier run"
  dpkg --purge "$package" >/dev/null
fi
if ! dpkg -i "$deb" >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -f -y -qq --no-install-recommends >/dev/null
fi
[[ $(dpkg-query -W -f='${db:Status-Status}' "$package") == installed ]] || fail "$package is not installed"
pass "installed with dpkg -i"

# 4. Files, modes, owners.
expect_file() { # path mode owner:group
  [[ -f $1 ]] || fail "missing $1"
  local actual
  actual=$(stat -c '%a %U:%G' "$1")
  [[ $actual == "$2 $3" ]] || fail "$1 is $actual, expected $2 $3"
}
expect_file /usr/bin/aad-auth-proxy 755 root:root
expect_file /usr/bin/aad-auth-proxy-configurator 755 root:root
expect_file /usr/lib/systemd/system/$unit 644 root:root
expect_file /usr/lib/sysusers.d/aad-auth-proxy.conf 644 root:root
expect_file $etc/aad-auth-proxy.conf 640 root:aad-auth-proxy
expect_file $etc/environment 640 root:aad-auth-proxy
expect_file /usr/share/applications/aad-auth-proxy-configurator.desktop 644 root:root
expect_file /usr/share/icons/hicolor/scalable/apps/aad-auth-proxy.svg 644 root:root
desktop-file-validate /usr/share/applications/aad-auth-proxy-configurator.desktop || fail "desktop entry invalid"
grep -q "^ExecStart=/usr/bin/aad-auth-proxy" /usr/lib/systemd/system/$unit || fail "unit does not run /usr/bin/aad-auth-proxy"
pass "files, modes and owners (config root:aad-auth-proxy 0640)"

# 5. The user and the groups: system accounts, no login, no home.
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd aad-auth-proxy) || fail "no user aad-auth-proxy"
((uid > 0 && uid < 1000)) || fail "aad-auth-proxy has uid $uid, not a system uid"
[[ $(getent group "$gid" | cut -d: -f1) == aad-auth-proxy ]] || fail "primary group of aad-auth-proxy is $gid"
[[ $shell == */nologin || $shell == /bin/false ]] || fail "aad-auth-proxy has shell $shell"
[[ ! -e $home || $home == / ]] || fail "aad-auth-proxy has a home $home"
getent group aad-auth-proxy-admin >/dev/null || fail "no group aad-auth-proxy-admin"
pass "user aad-auth-proxy (uid $uid, $shell) and groups aad-auth-proxy, aad-auth-proxy-admin"

# 6. Not started, not enabled: the configuration is empty.
[[ $(systemctl is-enabled $unit 2>/dev/null || true) == disabled ]] || fail "$unit is enabled after install"
if [[ -d /run/systemd/system ]]; then
  systemctl is-active --quiet $unit && fail "$unit was started"
fi
pass "unit installed, disabled and not started"

# 7. The unit, as systemd reads it (offline: no running systemd needed).
systemd-analyze verify /usr/lib/systemd/system/$unit || fail "systemd-analyze verify $unit"
pass "systemd-analyze verify $unit"

# 8. The installed program with the installed configuration. As installed it names no target
#    (exit 2); with the environment file's variables it is complete; the service's user can read
#    the 0640 file, another user cannot.
set +e
output=$(env -i PATH=/usr/bin:/bin /usr/bin/aad-auth-proxy --check-config 2>&1)
status=$?
set -e
((status == 2)) || fail "--check-config of the unconfigured package: exit $status, expected 2: $output"
[[ $output == *"$etc/aad-auth-proxy.conf"* ]] || fail "--check-config did not read $etc/aad-auth-proxy.conf: $output"
pass "--check-config: the installed configuration is read and reported incomplete (exit 2)"
configured=(env -i PATH=/usr/bin:/bin TARGET_HOST=https://example.invalid AUDIENCE=https://monitor.azure.com
  IDENTITY_TYPE=systemAssigned)
as_service=(setpriv --reuid=aad-auth-proxy --regid=aad-auth-proxy --init-groups --inh-caps=-all)
output=$("${as_service[@]}" "${configured[@]}" /usr/bin/aad-auth-proxy --check-config 2>&1) ||
  fail "--check-config as aad-auth-proxy with a target: $output"
[[ $output == *"$etc/aad-auth-proxy.conf"* ]] || fail "the service's user did not read the config: $output"
pass "--check-config as user aad-auth-proxy: valid (exit 0)"
set +e
output=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "${configured[@]}" \
  /usr/bin/aad-auth-proxy --check-config 2>&1)
status=$?
set -e
((status == 2)) && [[ $output == *"cannot read config file"* ]] ||
  fail "another user could read the config (exit $status): $output"
pass "--check-config as nobody: the config is not readable (exit 2)"

# 9. Reinstall (the upgrade path): an edited conffile and its owner and mode survive.
echo "# edited by package-check" >>$etc/aad-auth-proxy.conf
dpkg -i "$deb" >/dev/null
grep -q "^# edited by package-check" $etc/aad-auth-proxy.conf || fail "reinstall lost the edited conffile"
expect_file $etc/aad-auth-proxy.conf 640 root:aad-auth-proxy
pass "reinstall keeps the edited conffile, root:aad-auth-proxy 0640"

# 10. Purge, after the administrator enabled the service and left a backup next to the config.
systemctl enable $unit >/dev/null 2>&1
[[ -L /etc/systemd/system/multi-user.target.wants/$unit ]] || fail "systemctl enable made no link"
cp $etc/aad-auth-proxy.conf $etc/aad-auth-proxy.conf.bak
dpkg --purge "$package" >/dev/null
[[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || echo not-installed) == not-installed ]] ||
  fail "$package still known to dpkg"
for path in /usr/bin/aad-auth-proxy /usr/bin/aad-auth-proxy-configurator /usr/lib/systemd/system/$unit \
  /usr/lib/sysusers.d/aad-auth-proxy.conf $etc /usr/share/applications/aad-auth-proxy-configurator.desktop \
  /usr/share/icons/hicolor/scalable/apps/aad-auth-proxy.svg /usr/share/doc/aad-auth-proxy \
  /etc/systemd/system/multi-user.target.wants/$unit /var/lib/systemd/deb-systemd-helper-enabled/$unit; do
  [[ ! -e $path && ! -L $path ]] || fail "$path left after purge"
done
getent passwd aad-auth-proxy >/dev/null && fail "user aad-auth-proxy left after purge"
getent group aad-auth-proxy >/dev/null && fail "group aad-auth-proxy left after purge"
getent group aad-auth-proxy-admin >/dev/null && fail "group aad-auth-proxy-admin left after purge"
pass "purge leaves no file, link, user or group"

# 11. Without systemd-sysusers (a system without systemd): the postinst falls back to adduser.
#     A private mount namespace hides the tool from this install only.
hidden=$(mktemp)
unshare --mount sh -c "mount --bind '$hidden' /usr/bin/systemd-sysusers && dpkg -i '$deb'" >/dev/null 2>&1 ||
  fail "install without systemd-sysusers"
rm -f "$hidden"
IFS=: read -r _ _ uid _ gecos home shell < <(getent passwd aad-auth-proxy) || fail "adduser made no user"
[[ $gecos == "aad-auth-proxy service"* && $home == /nonexistent && $shell == */nologin ]] ||
  fail "adduser's user: $gecos $home $shell"
getent group aad-auth-proxy-admin >/dev/null || fail "adduser's fallback made no group aad-auth-proxy-admin"
expect_file $etc/aad-auth-proxy.conf 640 root:aad-auth-proxy
dpkg --purge "$package" >/dev/null
getent passwd aad-auth-proxy >/dev/null && fail "user aad-auth-proxy left after purge (adduser fallback)"
[[ ! -e $etc ]] || fail "$etc left after purge (adduser fallback)"
pass "without systemd-sysusers: adduser creates the same accounts (uid $uid); purge removes them"
