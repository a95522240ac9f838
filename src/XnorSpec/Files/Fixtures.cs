namespace XnorSpec.Files;

/// <summary>Finds the fixtures/ folder: XNORSPEC_FIXTURES, a copy beside the program, or the repository's.</summary>
public static class Fixtures
{
    // Located on first use, not in a static initialiser: a missing folder is then a named refusal (exit 2), not a crash.
    private static readonly Lazy<string> Located = new(Locate);

    public static string Directory => Located.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine(new[] { Directory }.Concat(parts).ToArray());

    private static string Locate()
    {
        const string Fix = "Set XNORSPEC_FIXTURES to the fixtures folder of an XnorSpec checkout, or run the program from its build folder in one.";
        var fromEnvironment = Environment.GetEnvironmentVariable("XNORSPEC_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (!System.IO.Directory.Exists(System.IO.Path.Combine(fromEnvironment, "profiles")))
                throw new BadFileException(fromEnvironment, "XNORSPEC_FIXTURES names a folder without profiles/", Fix);
            return fromEnvironment;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "fixtures");
            if (System.IO.Directory.Exists(System.IO.Path.Combine(candidate, "profiles"))) return candidate;
        }
        throw new BadFileException(AppContext.BaseDirectory, "no fixtures/ folder with profiles/ in this folder or above it", Fix);
    }
}
