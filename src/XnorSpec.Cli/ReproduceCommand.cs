using System.CommandLine;
using System.Diagnostics;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>
/// `reproduce`: the profile's experiment matrix, live progress, then a table, results.json,
/// losses.csv, losses.png and one saved model per experiment in the output directory.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "seed (the question's configuration, default), quick (SmallCnn encoders on 32px images, for a fast look), fashion (real images: the whole Fashion-MNIST dataset, ResNet18) or fashion-quick (its checked-in subset, SmallCnn); any name in fixtures/profiles.", DefaultValueFactory = _ => Profile.Seed };
        var data = Options.DataFolder();
        var device = Options.Device();
        var seed = Options.OptionalNumber<long>("--seed", "Seed for weights and data of every experiment. Default: the profile's.");
        var output = new Option<string?>("--out") { Description = "Output directory. Default: results/PROFILE." };
        var command = new Command("reproduce", """
            Run a profile's experiments: concat and product heads on same-colour labels, and the concat
            head on the question's controls (first is black, second is black, all zeros).
            Writes results.json, losses.csv, losses.png and models/*.model to the output directory.
            Real-image profiles (fashion, fashion-quick) run the same experiments on Fashion-MNIST pairs
            (same category or not), score each model on held-out test-split pairs, and draw pairs.png.
            One run per directory: a second run on a directory in use is refused before it trains (exit
            code 2), naming the process that holds it. Ctrl-C or SIGTERM stops after the current step
            (exit code 1; started with Ctrl-C ignored, as by nohup or `&` in a script, only SIGTERM does).

            Examples:
              xnor-spec reproduce --profile quick
              xnor-spec reproduce --profile fashion-quick
              xnor-spec reproduce --profile fashion --data /usr/share/datasets/fashion-mnist
              xnor-spec reproduce --seed 2 --out results/seed2
            """)
        { profile, device, seed, output, data };
        command.SetAction(parsed => Run(parsed.GetValue(profile)!, parsed.GetValue(device), parsed.GetValue(seed), parsed.GetValue(output), parsed.GetValue(data)));
        return command;
    }

    private static int Run(string profileName, string? deviceChoice, long? seed, string? output, string? dataFolder)
    {
        // Everything that can be wrong with the request is refused before the first step.
        var profile = Profile.Load(profileName);
        var experiments = profile.Experiments.Select(e => Options.WithDataFolder(seed is null ? e : e with { Seed = seed.Value }, dataFolder, $"profile '{profile.Name}'").Validated()).ToArray();
        var data = experiments.Select(e => e.Data).Distinct().ToArray();
        if (data.Length > 1)
            throw new ArgumentException($"Profile '{profile.Name}' mixes {string.Join(" and ", data)} experiments; give each data source a profile of its own.");
        using var source = PairSources.For(data[0], dataFolder);
        source.Prepare(); // files read, and any problem with them refused, before the first step
        var directory = output ?? Path.Combine("results", profile.Name);
        AtomicFile.EnsureWritableDirectory(directory);
        using var writer = OutputLock.OnFolder(directory); // held to the end: one run per folder
        var device = Devices.Resolve(deviceChoice);

        Console.WriteLine($"Profile '{profile.Name}' on {Devices.Describe(device)}, {experiments.Length} experiments; writing to {Path.GetFullPath(directory)}");
        Console.WriteLine(source.Describe());
        var results = new ResultsFile(profile.Name, device.type.ToString().ToLowerInvariant(), seed ?? profile.Settings.Seed,
            ResultsFile.CurrentTorchSharpVersion, DateTimeOffset.UtcNow) { ImageFolder = source.Folder };

        using var signals = new StopSignals();
        bool failed = false;

        RunDisplay.Show(experiments, (i, progress) =>
        {
            var experiment = experiments[i];
            var clock = Stopwatch.StartNew();
            try
            {
                var result = Trainer.Run(experiment, source, device, progress, signals.Token);
                string? modelPath = null;
                if (result.Completed)
                {
                    modelPath = Path.Combine("models", $"{experiment.Head}-{experiment.Labels}.model".ToLowerInvariant());
                    ModelFile.Save(result.Model!, experiment, Path.Combine(directory, modelPath));
                }
                results.Experiments.Add(ExperimentResult.From(result, modelPath));
                result.Model?.Dispose();
            }
            catch (TrainingDivergedException e)
            {
                // Kept, with what finished before it; the remaining experiments are not started.
                results.Experiments.Add(ExperimentResult.Failed(experiment, e.Message, clock.Elapsed.TotalSeconds));
                failed = true;
            }
            Save(results, directory, source);
        }, stopped: () => signals.Received || failed);

        // What was recorded decides, not whether a signal came: one that arrives after the last step
        // (while predicting or saving) leaves every experiment finished, and the run complete.
        results.Complete = !failed && results.Experiments.Count == experiments.Length && results.Experiments.All(e => e.Completed);
        Save(results, directory, source);

        RunDisplay.Table(results, source);
        Console.WriteLine($"Wrote {Path.Combine(directory, "results.json")}, losses.csv, losses.png{(PairsPicture.Shown(results).Count > 0 ? ", pairs.png" : "")} and models/.");
        if (results.Complete) return ExitCodes.Success;
        Console.Error.WriteLine(failed
            ? $"error: {results.Experiments[^1].Error} The finished experiments are saved; results.json is marked incomplete."
            : "Interrupted: finished experiments are saved; results.json is marked incomplete.");
        return ExitCodes.RunFailed;
    }

    private static void Save(ResultsFile results, string directory, PairSource source)
    {
        results.Save(Path.Combine(directory, "results.json"));
        results.SaveLossesCsv(Path.Combine(directory, "losses.csv"));
        AtomicFile.WriteAllBytes(Path.Combine(directory, "losses.png"), LossPlot.Render(results));
        var shown = PairsPicture.Shown(results);
        if (source.ExampleImages is { } images && shown.Count > 0)
            AtomicFile.WriteAllBytes(Path.Combine(directory, "pairs.png"), PairsPicture.Render(shown, images));
    }
}
