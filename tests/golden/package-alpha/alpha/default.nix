{
  lib,
  buildPythonPackage,
  fetchurl,

  # build-system
  setuptools,

  # dependencies
  beta,

  # optional-dependencies
  epsilon,

  # tests
  pytestCheckHook,
  gamma,
  pytest-cov-stub,
}:

buildPythonPackage rec {
  pname = "alpha";
  version = "1.0.0";
  pyproject = true;

  src = fetchurl {
    url = "https://files.example.test/packages/fc/11/b80379b779c9368a053bd5bc5f393a5508a23d56f873f022fea6a356f99f/alpha-1.0.0.tar.gz";
    hash = "sha256-/BG4A3m3eck2igU71bxfOTpVCKI9Vvhz8CL+pqNW+Z8=";
  };

  build-system = [ setuptools ];

  dependencies = [
    beta
    setuptools
  ];

  optional-dependencies = {
    fast = [ epsilon ];
  };

  nativeCheckInputs = [
    pytestCheckHook
    gamma
    pytest-cov-stub
  ];
  doCheck = true;

  pythonImportsCheck = [ "alpha" ];

  meta = {
    description = "Alpha: \"quotes\", back\\slash, \${HOME} and ''two quotes''";
    homepage = "https://alpha.example.test/";
    changelog = "https://alpha.example.test/changes";
    license = lib.licenses.mit;
    maintainers = [ ];
  };
}
