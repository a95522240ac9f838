using System.CommandLine;
using XnorSpec.Experiments;
using XnorSpec.Runtime;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>
/// `heads`: the capability table of the fusion-head catalogue, rendered from real runs in
/// fixtures/reproduction/heads.csv. `--run` trains the missing (head, seed) runs first; the CSV
/// resumes, so an interrupted run loses at most the run in progress.
/// </summary>
internal static class HeadsCommand
{
    public static Command Create()
    {
        var run = new Option<bool>("--run") { Description = "Train every head of the 'heads' profile for the seeds not yet in the CSV (about 1 s per run on 2 cores with the heads profile's SmallCnn encoders; 30 s for five seeds)." };
        var seeds = new Option<int>("--seeds") { Description = "Seeds 1..N to have in the CSV. Default: 5.", DefaultValueFactory = _ => 5 };
        var updateReadme = new Option<bool>("--update-readme") { Description = "Write the table into README.md between its capability-table markers." };
        var csv = new Option<string?>("--csv") { Description = "The runs file. Default: fixtures/reproduction/PROFILE.csv (heads.csv, heads-fashion.csv)." };
        var profile = new Option<string>("--profile") { Description = "heads (same-colour labels, the default) or heads-fashion (same-category labels on real images, scored on held-out pairs): whose runs to show, and to train with --run.", DefaultValueFactory = _ => "heads" };
        var device = Options.Device();
        var command = new Command("heads", """
            Print the capability table: head | separable | settings | final training loss | XNOR loss on the
            balanced batch | learns XNOR | parameters, from the recorded runs (median and range over seeds).
            With --profile heads-fashion, the same for real images: held-out MSE and accuracy, and whether
            each head beats the separable bound.
            One --run per runs file: a second on a file in use is refused (exit code 2), naming the holder.

            Examples:
              xnor-spec heads
              xnor-spec heads --run --seeds 5 --update-readme
              xnor-spec heads --profile heads-fashion --run --seeds 8
            """)
        { run, seeds, updateReadme, csv, profile, device };
        command.SetAction(parsed =>
        {
            var profileName = parsed.GetValue(profile)!;
            var path = parsed.GetValue(csv) ?? CapabilityTable.CsvPathOf(profileName);
            if (parsed.GetValue(run)) Run(path, profileName, parsed.GetValue(seeds), Devices.Resolve(parsed.GetValue(device)));
            if (!File.Exists(path)) throw new ArgumentException($"No runs file {path}; create it with `xnor-spec heads --profile {profileName} --run`.");
            var runs = CapabilityTable.Load(path);
            var table = CapabilityTable.Markdown(runs, HeadParameters.Count());
            bool realImages = runs.Count > 0 && runs.All(r => r.Data != Data.PairData.Colours);
            Console.Write(table);
            Console.WriteLine(realImages
                ? $"final training loss: mean step loss of the last epoch. held-out: MSE and accuracy on fixed test-split pairs, eval mode; "
                  + $"beats the separable bound: held-out MSE < {CapabilityTable.BeatsBoundBelow} (the bound is 0.25). Settings: fixtures/profiles/{profileName}.json."
                : $"final training loss: mean step loss of the last epoch. XNOR loss: MSE on BB, BW, WB, WW as one training-mode batch; "
                  + $"learns XNOR: XNOR loss <= {Verdicts.LearnedAtMost}. Settings: fixtures/profiles/{profileName}.json.");
            if (parsed.GetValue(updateReadme))
            {
                var readme = Path.Combine(Directory.GetParent(Fixtures.Directory)!.FullName, "README.md");
                Files.AtomicFile.WriteAllText(readme, CapabilityTable.IntoReadme(File.ReadAllText(readme), table, realImages));
                Console.WriteLine($"Updated {readme}.");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Run(string path, string profileName, int seeds, TorchSharp.torch.Device device)
    {
        if (seeds < 1) throw new ArgumentException($"--seeds {seeds} is invalid; accepted: an integer >= 1.");
        var profile = Profile.Load(profileName);
        // A file made at other settings is refused before anything is written beside it, a lock included.
        RefuseOtherSettings(path, profile, File.Exists(path) ? CapabilityTable.Load(path) : []);
        // Held to the end: another run appending to the same file would train the same missing runs.
        using var writer = Files.OutputLock.OnFile(path);
        // Read again under the lock: a run that held it until now may have added rows.
        var recorded = File.Exists(path) ? CapabilityTable.Load(path) : [];
        RefuseOtherSettings(path, profile, recorded);
        var done = recorded.Select(r => (r.Head, r.Seed)).ToHashSet();
        if (!File.Exists(path)) File.WriteAllText(path, HeadRun.CsvHeader + "\n");
        var todo = Enumerable.Range(1, seeds).SelectMany(s => profile.Experiments.Select(e => e with { Seed = s }))
            .Where(e => !done.Contains((e.Head, e.Seed))).ToArray();
        var data = profile.Experiments.Select(e => e.Data).FirstOrDefault(d => d != Data.PairData.Colours);
        using var images = todo.Any(e => e.IsRealImages) ? Files.FashionMnistFiles.Open(data) : null;
        RunDisplay.Show(todo, (i, progress) =>
        {
            var result = Trainer.Run(todo[i], device, progress, images: images);
            result.Model?.Dispose();
            // One appended line per finished run: an interruption keeps every earlier run.
            File.AppendAllText(path, HeadRun.From(result).ToCsv() + "\n");
        });
    }

    /// <summary>
    /// Runs are resumed by (head, seed), so rows made at other settings would silently join the
    /// table. The CSV records each run's encoder, image size, optimiser and epochs; a difference
    /// from the profile is refused.
    /// </summary>
    private static void RefuseOtherSettings(string path, Profile profile, IReadOnlyList<HeadRun> recorded)
    {
        foreach (var run in recorded)
        {
            var wanted = profile.Experiments.FirstOrDefault(e => e.Head == run.Head);
            if (wanted is null) continue;
            var (had, want) = (run.Settings, HeadRun.SettingsOf(wanted));
            if (had != want)
                throw new ArgumentException($"{path} holds {run.Head} runs at {had} (encoder, images; lr, momentum, batch, epochs), "
                    + $"but profile '{profile.Name}' asks {want}; "
                    + "move that file aside or pass --csv NEW.csv, so runs at different settings are not mixed.");
        }
    }
}
