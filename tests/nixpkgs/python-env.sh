# Builder of the stand-in withPackages: a virtual environment seeing every package.
set -eu
export HOME="$TMPDIR"
"$python" -m venv --without-pip "$out"
pth="$out/$sitePackages/_stand_in_path.pth"
: > "$pth"
old_ifs=$IFS
IFS=:
for dir in $sitePath; do
    [ -n "$dir" ] && printf "import site; site.addsitedir('%s')\n" "$dir" >> "$pth"
done
IFS=$old_ifs
