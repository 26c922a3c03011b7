# Builder of the stand-in's packages whose libraries the host lacks: for each soname
# an empty shared object of that name in $out/lib, made with the host's gcc. The
# stand-in's builds only check that a needed library is there; nothing loads these.
set -eu
mkdir -p "$out/lib"
for name in $libraries; do
    echo 'int pypi2nix_stub;' | gcc -x c -shared -o "$out/lib/$name" -Wl,-soname,"$name" -
done
