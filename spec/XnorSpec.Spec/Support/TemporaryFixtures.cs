namespace XnorSpec.Spec.Support;

/// <summary>
/// A throw-away fixtures folder holding one profile, so a spec can run the real `reproduce` on a
/// tiny matrix of its own (the program finds it through XNORSPEC_FIXTURES). Also holds the run's
/// output folder; both are deleted on Dispose.
/// </summary>
public sealed class TemporaryFixtures : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("xnorspec-fixtures-").FullName;

    public string Output => Path.Combine(Directory, "out");

    /// <summary>Writes profiles/NAME.json: 32x32 images, 20 pairs in batches of 10, then the given experiments (JSON objects).</summary>
    public TemporaryFixtures(string profile, int epochs, params string[] experiments)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "profiles"));
        File.WriteAllText(Path.Combine(Directory, "profiles", profile + ".json"), $$"""
            {
              "description": "A tiny matrix written by a spec.",
              "settings": { "imageSize": 32, "batchSize": 10, "learningRate": 0.01, "momentum": 0.01, "epochs": {{epochs}}, "pairs": 20, "seed": 1 },
              "experiments": [
                {{string.Join(",\n    ", experiments)}}
              ]
            }
            """);
    }

    /// <summary>The program pointed at this folder, on one libtorch thread (exact replays need the same thread count).</summary>
    public CliStart Start(CliStart? other = null) => (other ?? new CliStart()) with
    {
        Variables = new Dictionary<string, string>((other ?? new CliStart()).Environment) { ["XNORSPEC_FIXTURES"] = Directory, ["XNORSPEC_THREADS"] = "1" },
    };

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
