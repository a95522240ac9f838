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
        var csv = new Option<string?>("--csv") { Description = "The runs file. Default: fixtures/reproduction/heads.csv." };
        var profile = new Option<string>("--profile") { Description = "Profile whose experiments to run with --run. Default: heads.", DefaultValueFactory = _ => "heads" };
        var device = Options.Device();
        var command = new Command("heads", """
            Print the capability table: head | separable | settings | final training loss | XNOR loss on the
            balanced batch | learns XNOR | parameters, from the recorded runs (median and range over seeds).
            One --run per runs file: a second on a file in use is refused (exit code 2), naming the holder.

            Examples:
              xnor-spec heads
              xnor-spec heads --run --seeds 5 --update-readme
            """)
        { run, seeds, updateReadme, csv, profile, device };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(csv) ?? CapabilityTable.CsvPath;
            if (parsed.GetValue(run)) Run(path, parsed.GetValue(profile)!, parsed.GetValue(seeds), Devices.Resolve(parsed.GetValue(device)));
            if (!File.Exists(path)) throw new ArgumentException($"No runs file {path}; create it with `xnor-spec heads --run`.");
            var table = CapabilityTable.Markdown(CapabilityTable.Load(path), HeadParameters.Count());
            Console.Write(table);
            Console.WriteLine($"final training loss: mean step loss of the last epoch. XNOR loss: MSE on BB, BW, WB, WW as one training-mode batch; "
                + $"learns XNOR: XNOR loss <= {Verdicts.LearnedAtMost}. Settings: fixtures/profiles/heads.json.");
            if (parsed.GetValue(updateReadme))
            {
                var readme = Path.Combine(Directory.GetParent(Fixtures.Directory)!.FullName, "README.md");
                Files.AtomicFile.WriteAllText(readme, CapabilityTable.IntoReadme(File.ReadAllText(readme), table));
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
        RunDisplay.Show(todo, (i, progress) =>
        {
            var result = Trainer.Run(todo[i], device, progress);
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
