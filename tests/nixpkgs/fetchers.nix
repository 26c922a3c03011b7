# fetchurl, fetchPypi, fetchgit and fetchFromGitHub as nixpkgs defines them, on top
# of Nix's built-in fetcher.
# The tests add every source to the store beforehand (nix-store --add-fixed), so a
# fixed-output path is already valid and nothing is downloaded. So that a URL the
# files host would not answer cannot pass, fetchurl answers only the URLs of
# `served` (an attribute set of URLs, or null to answer any), as that host does: a
# file's exact URL, the mirror://pypi/ path of an sdist, and the redirect path of a
# wheel built with the python_version recorded at its upload; anything else throws
# "404: URL". Unknown arguments are errors, as in nixpkgs.
{
  filesHost,
  served ? null,
}:
rec {
  fetchurl =
    {
      url,
      hash ? "",
      sha256 ? "",
      name ? baseNameOf (toString url),
    }:
    assert (hash == "") != (sha256 == "") || throw "fetchurl: give exactly one of hash and sha256";
    assert served == null || served ? ${url} || throw "404: ${url}";
    import <nix/fetchurl.nix> ({ inherit url name; } // (if hash != "" then { inherit hash; } else { inherit sha256; }));

  # The URL computation of nixpkgs' pkgs/build-support/fetchpypi (files host made up).
  fetchPypiUrl =
    {
      format ? "setuptools",
      ...
    }@attrs:
    let
      wheelUrl =
        {
          pname,
          version,
          dist ? "py2.py3",
          python ? "py2.py3",
          abi ? "none",
          platform ? "any",
        }:
        "https://${filesHost}/packages/${dist}/${builtins.substring 0 1 pname}/${pname}/${pname}-${version}-${python}-${abi}-${platform}.whl";
      sourceUrl =
        {
          pname,
          version,
          extension ? "tar.gz",
        }:
        "mirror://pypi/${builtins.substring 0 1 pname}/${pname}/${pname}-${version}.${extension}";
      compute =
        if format == "wheel" then
          wheelUrl
        else if format == "setuptools" then
          sourceUrl
        else
          throw "fetchPypi: unsupported format ${format}";
    in
    compute (builtins.removeAttrs attrs [ "format" ]);

  # fetchgit makes a real checkout (the tests use local file:// repositories, so it
  # runs offline); Nix then checks the NAR hash of the result, as nixpkgs' does.
  fetchgit =
    {
      url,
      rev,
      hash,
      name ? "source",
      fetchSubmodules ? true,
      leaveDotGit ? false,
    }:
    assert !leaveDotGit || throw "fetchgit (stand-in): leaveDotGit is not supported";
    derivation {
      inherit name url rev;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ ./fetchgit.sh ];
      PATH = "/usr/bin:/bin";
      outputHashMode = "recursive";
      outputHashAlgo = "sha256";
      outputHash = hash;
    };

  # GitHub is out of reach here: the tests add the expected tree to the store first,
  # so the fixed-output path is valid and this builder never runs.
  fetchFromGitHub =
    {
      owner,
      repo,
      rev,
      hash,
      name ? "source",
    }:
    derivation {
      inherit name;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ "-c" "echo fetchFromGitHub ${owner}/${repo}: the stand-in cannot reach GitHub >&2; exit 1" ];
      outputHashMode = "recursive";
      outputHashAlgo = "sha256";
      outputHash = hash;
    };

  fetchPypi =
    {
      hash ? "",
      sha256 ? "",
      ...
    }@attrs:
    fetchurl {
      url = fetchPypiUrl (builtins.removeAttrs attrs [ "hash" "sha256" ]);
      inherit hash sha256;
    };
}
