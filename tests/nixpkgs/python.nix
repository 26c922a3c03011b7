# A Python interpreter with a package set, shaped like nixpkgs' python3xx:
# `override { self; packageOverrides; }`, `pkgs`, `withPackages`, and in the set
# `buildPythonPackage` and `callPackage`.
#
# buildPythonPackage is strict: it rejects arguments nixpkgs would not take and the
# combinations pypi2nix must never write, then really builds: `pip wheel
# --no-build-isolation` in an environment that holds only the declared build-system
# and dependencies, installs into $out, runs a runtime-dependency check like nixpkgs'
# pythonRuntimeDepsCheckHook (honouring pythonRemoveDeps) and the pythonImportsCheck
# imports.
{
  lib,
  fetchurl,
  topLevel,
  hostPython,
  pythonVersion,
  baseWheels,
  filesHost,
}:
let
  sitePackages = "lib/python${pythonVersion}/site-packages";
  shellPath = "/usr/bin:/bin";

  allowedArguments = [
    "pname" "version" "pyproject" "format" "src" "build-system" "dependencies"
    "optional-dependencies" "doCheck" "pythonImportsCheck" "pythonRemoveDeps"
    "pythonRelaxDeps" "meta" "nativeBuildInputs" "buildInputs" "nativeCheckInputs"
    "patches" "postPatch" "disabled" "passthru" "autoPatchelfIgnoreMissingDeps" "cargoDeps"
    "env" "mesonFlags"
  ];
  allowedMeta = [ "description" "homepage" "changelog" "license" "maintainers" "mainProgram" ];

  require = condition: message: condition || throw "buildPythonPackage (stand-in): ${message}";
  isPythonPackage = value: builtins.isAttrs value && (value.isPythonModule or false);
  isHook = value: builtins.isAttrs value && (value.isSetupHook or false);
  hasHook = name: args: builtins.any (hook: hook.name or "" == name) (args.nativeBuildInputs or [ ]);
  closureOf = packages: lib.unique (packages ++ lib.concatMap (p: p.requiredPythonModules) packages);
  sitePathOf = packages: builtins.concatStringsSep ":" (map (p: "${p}/${sitePackages}") packages);

  validMeta =
    name: meta:
    let
      license = meta.license or null;
      licenses = if builtins.isList license then license else [ license ];
    in
    builtins.all (x: x) [
      (require (builtins.isAttrs meta) "${name}: meta must be an attribute set")
      (require (lib.subtractLists allowedMeta (builtins.attrNames meta) == [ ])
        "${name}: unknown meta attributes ${toString (lib.subtractLists allowedMeta (builtins.attrNames meta))}")
      (require (builtins.isString (meta.description or "")) "${name}: meta.description must be a string")
      (require (builtins.isString (meta.homepage or "")) "${name}: meta.homepage must be a string")
      (require (license == null || builtins.all lib.isLicense licenses)
        "${name}: meta.license must come from lib.licenses")
    ];

  validArguments =
    args:
    let
      name = args.pname or "<no pname>";
      unknown = lib.subtractLists allowedArguments (builtins.attrNames args);
      isWheel = (args.format or null) == "wheel";
    in
    builtins.all (x: x) [
      (require (unknown == [ ]) "${name}: unknown arguments ${toString unknown}")
      (require (args ? pname && args ? version && args ? src) "${name}: pname, version and src are required")
      (require ((args ? pyproject) != (args ? format)) "${name}: set exactly one of pyproject and format")
      (require (!(args ? pyproject) || args.pyproject == true) "${name}: pyproject must be true")
      (require (!(args ? format) || isWheel) "${name}: the only format pypi2nix may write is wheel")
      (require (!isWheel || !(args ? build-system)) "${name}: a wheel has no build-system")
      (require (builtins.all isPythonPackage (args.dependencies or [ ])) "${name}: every dependency must be a Python package")
      (require (builtins.all isPythonPackage (args.build-system or [ ])) "${name}: every build-system entry must be a Python package")
      (require (builtins.all isHook (args.nativeBuildInputs or [ ]))
        "${name}: nativeBuildInputs must be setup hooks")
      (require (builtins.all lib.isDerivation (args.buildInputs or [ ]))
        "${name}: buildInputs must be derivations")
      (require (builtins.all builtins.isString (args.autoPatchelfIgnoreMissingDeps or [ ]))
        "${name}: autoPatchelfIgnoreMissingDeps must be strings")
      (require (!(builtins.any (p: p.pname or "" == "setuptools-rust") (args.build-system or [ ])) || hasHook "cargo-setup-hook" args)
        "${name}: setuptools-rust needs rustPlatform.cargoSetupHook, cargo and rustc (no cargo in the build)")
      (require ((args ? cargoDeps) == hasHook "cargo-setup-hook" args)
        "${name}: cargoDeps and rustPlatform.cargoSetupHook go together")
      (require (builtins.all (x: isPythonPackage x || isHook x) (args.nativeCheckInputs or [ ]))
        "${name}: nativeCheckInputs must be Python packages or hooks")
      (require (builtins.all isPythonPackage (builtins.concatLists (builtins.attrValues (args.optional-dependencies or { }))))
        "${name}: every optional dependency must be a Python package")
      (require (builtins.isBool (args.doCheck or true)) "${name}: doCheck must be a boolean")
      (require (builtins.all builtins.isString (args.pythonImportsCheck or [ ])) "${name}: pythonImportsCheck must be strings")
      (require (builtins.all builtins.isString (args.pythonRemoveDeps or [ ])) "${name}: pythonRemoveDeps must be strings")
      # As mkDerivation checks it: strings, or derivations (a file's path).
      (require (builtins.isAttrs (args.env or { }) && builtins.all (v: builtins.isString v || lib.isDerivation v) (builtins.attrValues (args.env or { })))
        "${name}: env must be an attribute set of strings and derivations")
      (require (builtins.all builtins.isString (args.mesonFlags or [ ])) "${name}: mesonFlags must be strings")
      (validMeta name (args.meta or { }))
    ];

  makeBuildPythonPackage =
    args:
    assert validArguments args;
    let
      dependencies = args.dependencies or [ ];
      buildSystem = args.build-system or [ ];
      runtimeClosure = closureOf dependencies;
      # As in mkDerivation, `env` becomes the build's environment: the imports check
      # (nixpkgs' pythonImportsCheckPhase runs in the same shell) sees it.
      package = derivation ((args.env or { }) // {
        name = "python${pythonVersion}-${args.pname}-${args.version}";
        system = builtins.currentSystem;
        builder = "/bin/sh";
        args = [ ./build-python-package.sh ];
        PATH = shellPath;
        python = hostPython;
        inherit sitePackages;
        inherit (args) src;
        format = args.format or "pyproject";
        buildPath = sitePathOf (closureOf (buildSystem ++ dependencies));
        # nixpkgs puts the programs of build inputs on PATH (a backend may run one).
        buildBinPath = builtins.concatStringsSep ":" (map (p: "${p}/bin") (closureOf buildSystem));
        runtimePath = sitePathOf runtimeClosure;
        importsCheck = builtins.concatStringsSep " " (args.pythonImportsCheck or [ ]);
        removeDeps = builtins.concatStringsSep " " (args.pythonRemoveDeps or [ ]);
        checker = ./runtime_deps_check.py;
        nativeLibrariesCheck = ./check-native-libraries.sh;
        autoPatchelf = if builtins.any (hook: hook.name or "" == "auto-patchelf-hook") (args.nativeBuildInputs or [ ]) then "1" else "";
        libraryPath = toString (map (input: "${input}/lib") (args.buildInputs or [ ]));
        ignoreMissing = toString (args.autoPatchelfIgnoreMissingDeps or [ ]);
        # Vendored crates: the build cannot start before they are fetched.
        cargoDeps = args.cargoDeps or "";
        postPatch = args.postPatch or "";
        # nixpkgs' meson-python hook passes mesonFlags to the build as setup-args;
        # without meson-python they do nothing to a Python build.
        # What a build from source must not see: the host's headers of the system
        # libraries it did not ask for, and pkg-config without its hook.
        hiddenPaths = toString (
          lib.subtractLists (lib.concatMap (input: input.standInHeaders or [ ]) (args.buildInputs or [ ])) (
            topLevel.standInHeaders or [ ]
          )
          ++ lib.optionals (!hasHook "pkg-config" args) [ "/usr/bin/pkg-config" "/usr/bin/pkgconf" ]
        );
        setupArgs = toString (
          lib.optionals (builtins.any (p: p.pname or "" == "meson-python") buildSystem) (
            map (flag: "--config-settings=setup-args=${flag}") (args.mesonFlags or [ ])
          )
        );
      });
    in
    package
    // {
      isPythonModule = true;
      requiredPythonModules = runtimeClosure;
      inherit (args) pname version;
      meta = args.meta or { };
      inherit dependencies;
      nativeBuildInputs = args.nativeBuildInputs or [ ];
      optional-dependencies = args.optional-dependencies or { };
      overridePythonAttrs = f: makeBuildPythonPackage (args // (if builtins.isFunction f then f args else f));
    };

  basePackages =
    self:
    builtins.mapAttrs (
      attr: info:
      makeBuildPythonPackage {
        inherit (info) pname version;
        format = "wheel";
        src = fetchurl {
          url = "https://${filesHost}/base/${info.file}";
          inherit (info) sha256;
        };
        dependencies = map (dependency: self.${dependency}) info.dependencies;
        # nixpkgs builds its own packages so that their native code finds its
        # libraries: a binary wheel standing in for one gets them here.
        nativeBuildInputs = [ topLevel.autoPatchelfHook ];
        buildInputs = [ topLevel.stdenv.cc.cc.lib topLevel.zlib ];
        doCheck = false;
      }
    ) (builtins.fromJSON (builtins.readFile baseWheels));

  makePython =
    {
      packageOverrides ? (self: super: { }),
      self ? null,
    }:
    let
      base =
        pySelf:
        basePackages pySelf
        // {
          buildPythonPackage = makeBuildPythonPackage;
          callPackage = lib.callPackageWith (topLevel // pySelf);
          # Accepted in nativeCheckInputs; the stand-in runs no test suites.
          pytestCheckHook = {
            isSetupHook = true;
            name = "pytest-check-hook";
          };
          python = interpreter;
        };
      pythonSet = lib.fix (lib.extends packageOverrides base);
      interpreter = {
        pkgs = pythonSet;
        version = pythonVersion;
        inherit sitePackages;
        executable = hostPython;
        override = arguments: makePython ({ inherit packageOverrides; } // arguments);
        withPackages =
          select:
          derivation {
            name = "python${pythonVersion}-env";
            system = builtins.currentSystem;
            builder = "/bin/sh";
            args = [ ./python-env.sh ];
            PATH = shellPath;
            python = hostPython;
            inherit sitePackages;
            sitePath = sitePathOf (closureOf (select pythonSet));
          };
      };
    in
    interpreter;
in
makePython { }
