# Builder of the stand-in buildPythonPackage (see python.nix).
set -eu
export HOME="$TMPDIR" PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# No pip configuration file of the host (constraints, find-links, indexes): the Nix
# sandbox shows none to nixpkgs' builds.
export PIP_CONFIG_FILE=/dev/null
export PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 SOURCE_DATE_EPOCH=315532800
unset PYTHONPATH
cd "$TMPDIR"

# An isolated virtual environment that sees only the site-packages listed in $2.
make_env() {
    "$python" -m venv --without-pip "$1"
    pth="$1/$sitePackages/_stand_in_path.pth"
    : > "$pth"
    old_ifs=$IFS
    IFS=:
    for dir in $2; do
        [ -n "$dir" ] && printf "import site; site.addsitedir('%s')\n" "$dir" >> "$pth"
    done
    IFS=$old_ifs
}

# pip itself, and nothing else of the host's site-packages.
mkdir pip-only
ln -s "$("$python" -I -c 'import os, pip; print(os.path.dirname(pip.__file__))')" pip-only/pip

# nixpkgs' substituteInPlace, for postPatch: FILE --replace-fail OLD NEW ...
substituteInPlace() {
    file=$1
    shift
    while [ "$#" -ge 3 ]; do
        [ "$1" = --replace-fail ] || { echo "substituteInPlace: unknown $1" >&2; exit 1; }
        grep -qF -- "$2" "$file" || { echo "substituteInPlace: $2 not in $file" >&2; exit 1; }
        "$python" -I -c 'import sys; p, old, new = sys.argv[1:]; t = open(p).read(); open(p, "w").write(t.replace(old, new))' "$file" "$2" "$3"
        shift 3
    done
}

# A wheel from the source tree in $1, with only the declared build-system and
# dependencies importable.
build_wheel() {
    if [ -n "$postPatch" ]; then
        (cd "$1" && eval "$postPatch")
    fi
    make_env build-env "$TMPDIR/pip-only:$buildPath"
    # The host's files nixpkgs would not give this build are hidden from it.
    set --  "$1"
    for path in $hiddenPaths; do
        if [ -d "$path" ]; then
            set -- "$@" --tmpfs "$path"
        elif [ -e "$path" ]; then
            set -- "$@" --ro-bind /dev/null "$path"
        fi
    done
    tree=$1
    shift
    # shellcheck disable=SC2086 # $setupArgs is a list
    (cd "$tree" && PATH="$buildBinPath:$TMPDIR/build-env/bin:$PATH" /usr/bin/bwrap --dev-bind / / "$@" \
        "$TMPDIR/build-env/bin/python" -m pip wheel --quiet --no-build-isolation \
        --no-deps --no-index --wheel-dir "$TMPDIR/dist" $setupArgs .)
}

filename="$(basename "$src")"
filename="${filename#*-}"
mkdir dist
if [ "$format" = wheel ]; then
    cp "$src" "dist/$filename"
elif [ -d "$src" ]; then  # a source tree: a path, fetchgit, fetchFromGitHub
    mkdir source
    cp -R "$src" source/tree
    chmod -R u+w source/tree
    build_wheel source/tree
else
    case "$filename" in
        *.zip) kind=zip ;;
        *.tar.bz2) kind=bztar ;;
        *.tar.xz) kind=xztar ;;
        *) kind=gztar ;;
    esac
    "$python" -I -c 'import shutil, sys; shutil.unpack_archive(sys.argv[1], "source", sys.argv[2])' "$src" "$kind"
    set -- source/*
    [ "$#" -eq 1 ] && [ -d "$1" ] || { echo "expected one top-level folder in $filename" >&2; exit 1; }
    build_wheel "$1"
fi

make_env install-env "$TMPDIR/pip-only"
install-env/bin/python -m pip install --quiet --no-deps --no-index --no-compile \
    --target "$out/$sitePackages" dist/*.whl
if [ -d "$out/$sitePackages/bin" ]; then  # programs go to $out/bin, as in nixpkgs
    mv "$out/$sitePackages/bin" "$out/bin"
    # pip wrote the install environment's Python (gone after the build) into their
    # first line: they run on the Python found on PATH instead (a build's own, which
    # sees its build inputs, as nixpkgs' wrapped programs see their dependencies).
    for program in "$out"/bin/*; do
        if [ -f "$program" ] && head -n 1 "$program" | grep -q "^#!$TMPDIR/install-env/"; then
            sed -i "1s|^#!.*|#!/usr/bin/env python3|" "$program"
        fi
    done
fi

if [ "$format" = wheel ]; then
    sh "$nativeLibrariesCheck"
fi

# shellcheck disable=SC2086 # $removeDeps is a list
"$python" -I "$checker" "$out/$sitePackages" "$runtimePath" $removeDeps

make_env check-env "$out/$sitePackages:$runtimePath"
for module in $importsCheck; do
    echo "pythonImportsCheck: import $module"
    check-env/bin/python -c "import $module"
done
