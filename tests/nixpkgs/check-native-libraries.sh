# The stand-in's autoPatchelfHook check, run on an installed wheel ($out): every
# DT_NEEDED of every ELF file must be glibc's, listed in autoPatchelfIgnoreMissingDeps,
# or found: with the hook, among the package's own files and in the lib/ folders of
# buildInputs (as nixpkgs' auto-patchelf searches); without it, only through the
# file's own $ORIGIN runpath (as a manylinux system would).
set -eu
glibc="libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libutil.so.1
libresolv.so.2 libnsl.so.1 libanl.so.1 libmvec.so.1 ld-linux-x86-64.so.2 ld-linux-aarch64.so.1"
missing=0
for file in $(find "$out" -type f); do
    [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = "177ELF" ] || continue
    needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    runpath=$(readelf -d "$file" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p;s/.*(RPATH).*\[\(.*\)\]/\1/p')
    origin=$(dirname "$file")
    for library in $needed; do
        case " $(echo $glibc) $ignoreMissing " in *" $library "*) continue ;; esac
        found=""
        if [ -n "$autoPatchelf" ]; then
            [ -n "$(find "$out" -name "$library" -print -quit)" ] && found=yes
            for dir in $libraryPath; do
                [ -e "$dir/$library" ] && found=yes
            done
        fi
        old_ifs=$IFS
        IFS=:
        for dir in $runpath; do
            case "$dir" in '$ORIGIN'*) dir="$origin${dir#\$ORIGIN}" ;; *) continue ;; esac
            [ -e "$dir/$library" ] && found=yes
        done
        IFS=$old_ifs
        if [ -z "$found" ]; then
            echo "auto-patchelf (stand-in): ${file#$out/} needs $library, which nothing provides" >&2
            missing=1
        fi
    done
done
exit "$missing"
