using System.CommandLine;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Sources;
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
            if (runs.Count == 0) throw new ArgumentException($"The runs file {path} holds no runs yet; record them with `xnor-spec heads --profile {profileName} --run`.");
            var table = CapabilityTable.Markdown(runs, HeadParameters.Count());
            using var source = CapabilityTable.SourceOf(runs);
            Console.Write(table);
            Console.WriteLine($"{source.CapabilityNote} Settings: fixtures/profiles/{profileName}.json.");
            if (parsed.GetValue(updateReadme))
            {
                var readme = Path.Combine(Directory.GetParent(Fixtures.Directory)!.FullName, "README.md");
                AtomicFile.WriteAllText(readme, CapabilityTable.IntoReadme(File.ReadAllText(readme), table, source.ReadmeMarkers));
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
        using var writer = OutputLock.OnFile(path);
        // Read again under the lock: a run that held it until now may have added rows.
        var recorded = File.Exists(path) ? CapabilityTable.Load(path) : [];
        RefuseOtherSettings(path, profile, recorded);
        var done = recorded.Select(r => (r.Experiment.Head, r.Experiment.Seed)).ToHashSet();
        if (!File.Exists(path)) File.WriteAllText(path, HeadRun.CsvHeader + "\n");
        var todo = Enumerable.Range(1, seeds).SelectMany(s => profile.Experiments.Select(e => e with { Seed = s }))
            .Where(e => !done.Contains((e.Head, e.Seed))).ToArray();
        using var source = PairSources.For(profile.Settings);
        if (todo.Length > 0) source.Prepare();
        RunDisplay.Show(todo, (i, progress) =>
        {
            var result = Trainer.Run(todo[i], source, device, progress);
            result.Model?.Dispose();
            // One appended line per finished run: an interruption keeps every earlier run.
            File.AppendAllText(path, HeadRun.From(result).ToCsv() + "\n");
        });
    }

    /// <summary>
    /// Runs are resumed by (head, seed), so rows made at other settings would silently join the table. Each
    /// row records every setting of its experiment; any difference from the profile's is refused, naming it.
    /// </summary>
    private static void RefuseOtherSettings(string path, Profile profile, IReadOnlyList<HeadRun> recorded)
    {
        if (profile.Experiments.Select(e => e.Data).Distinct().Count() > 1)
            throw new ArgumentException($"Profile '{profile.Name}' mixes data sources; a runs file holds runs on one.");
        foreach (var run in recorded)
        {
            var wanted = profile.Experiments.FirstOrDefault(e => e.Head == run.Experiment.Head);
            if (wanted is null) continue;
            if (run.DifferingSetting(wanted) is { } difference)
                throw new ArgumentException($"{path} holds {run.Experiment.Head} runs (seed {run.Experiment.Seed}) made with {difference}; "
                    + $"move that file aside or pass --csv NEW.csv, so runs at different settings of profile '{profile.Name}' are not mixed.");
        }
    }
}
