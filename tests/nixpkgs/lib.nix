# The few nixpkgs `lib` functions that generated files use, with the same meaning.
# `licenses` holds exactly the attribute names of nixpkgs' lib/licenses.nix
# (listed in licenses.txt), so a made-up license attribute fails evaluation.
let
  lines = text: builtins.filter (line: builtins.isString line && line != "") (builtins.split "\n" text);

  lib = rec {
    fix = f: let x = f x; in x;

    extends = f: rattrs: self: let super = rattrs self; in super // f self super;

    composeExtensions =
      f: g: final: prev:
      let
        fApplied = f final prev;
        prev' = prev // fApplied;
      in
      fApplied // g final prev';

    composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });

    unique = builtins.foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];

    subtractLists = e: builtins.filter (x: !(builtins.elem x e));

    concatMap = f: list: builtins.concatLists (map f list);

    optionals = condition: list: if condition then list else [ ];

    optionalAttrs = condition: set: if condition then set else { };

    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    isDerivation = value: builtins.isAttrs value && (value.type or null) == "derivation";

    genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);

    callPackageWith =
      autoArgs: fn: args:
      let
        f = if builtins.isFunction fn then fn else import fn;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) autoArgs // args);

    licenses = genAttrs (lines (builtins.readFile ./licenses.txt)) (name: {
      shortName = name;
      free = true;
    });

    # Like nixpkgs' lib.cleanSource: the tree without version control folders, editor
    # backups and `result` links of nix-build.
    cleanSource =
      src:
      builtins.path {
        path = src;
        name = "source";
        filter =
          path: type:
          let
            base = baseNameOf (toString path);
          in
          !(type == "directory" && builtins.elem base [ ".git" ".hg" ".svn" "CVS" ])
          && !(type == "symlink" && (base == "result" || builtins.substring 0 7 base == "result-"))
          && builtins.match ".*~" base == null;
      };

    isLicense = value: builtins.isAttrs value && value ? shortName && licenses ? ${value.shortName};
  };
in
lib
