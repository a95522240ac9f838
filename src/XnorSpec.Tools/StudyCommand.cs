using XnorSpec.Files;
using XnorSpec.Sources;
using System.CommandLine;
using System.Globalization;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Tools;

/// <summary>
/// `study`: the reproduction study behind fixtures/reproduction/README.md. Runs a list of cells
/// (settings x seed), appending one CSV row per finished run, and skips rows already in the file,
/// so an interrupted study resumes without losing or repeating work.
/// </summary>
internal static class StudyCommand
{
    // A row: the arm, where the encoders start (fresh, or trained on other labels first), every setting of the
    // cell's experiment under its JSON name (as in the runs files), then the outcome.
    private static readonly string[] Outcome =
        ["finalLoss", "firstEpochLoss", "lastStepLoss", "epochLosses", "BB", "BW", "WB", "WW", "seconds", "trainBB", "trainBW", "trainWB", "trainWW"];

    private static string Header { get; } = string.Join(",", ["arm", "encoderStart", .. HeadRun.SettingColumns, .. Outcome]);

    /// <summary>The cells that name a run: arm, encoder start and settings.</summary>
    private static int KeyCells => 2 + HeadRun.SettingColumns.Count;

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "CSV file to append to.", DefaultValueFactory = _ => Fixtures.Path("reproduction", "study.csv") };
        var arms = new Option<string[]>("--arm") { Description = "Arms to run, in order: quick, heads, seed10, lr, seed1, shared, lr-concat, rest.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("study", """
            Run the reproduction study of the question's settings (slow: hours on 2 cores). Appends to
            the CSV; runs already in it are skipped, so an interrupted study resumes.

            Examples:
              xnor-spec-tools study --arm seed10 lr
              xnor-spec-tools study --arm rest --out my-study.csv
            """) { output, arms };
        command.SetAction(parsed =>
        {
            var file = parsed.GetValue(output)!;
            var selected = parsed.GetValue(arms) is { Length: > 0 } a ? a : new[] { "seed10", "lr", "seed1", "shared", "lr-concat", "rest" };
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            if (!File.Exists(file)) File.WriteAllText(file, Header + "\n");
            if (File.ReadLines(file).First() != Header)
                throw new BadFileException(file, "a study file with other columns than this study writes, so its runs cannot be matched to this study's cells",
                    $"Write to a new file with --out; the columns are {Header}.");
            Console.WriteLine($"libtorch threads: {get_num_threads()}");
            var done = File.ReadAllLines(file).Skip(1).Select(Key).ToHashSet();
            var seed = Profile.Load(Profile.Seed).Settings;
            foreach (var arm in selected)
                foreach (var (cell, encoders) in Cells(arm, seed))
                {
                    var row = string.Join(",", [arm, encoders, .. HeadRun.SettingCells(cell)]);
                    if (done.Contains(Key(row))) continue;
                    var result = encoders == "fresh" ? Trainer.Run(cell, Colours, CPU) : RunWithPretrainedEncoders(cell, encoders);
                    var scores = (ColourScores)result.Evaluation!;
                    var p = scores.Predictions;
                    File.AppendAllText(file, string.Join(",", row, F(result.FinalLoss), F(result.InitialLoss), F(result.LastStepLosses[^1]),
                        string.Join(";", result.EpochLosses.Select(F)), F(p["BB"]), F(p["BW"]), F(p["WB"]), F(p["WW"]), result.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                        string.Join(",", new[] { "BB", "BW", "WB", "WW" }.Select(k => F(scores.TrainModePredictions[k])))) + "\n");
                    Console.WriteLine($"{row}: final {result.FinalLoss:F4} in {result.Seconds:F0} s");
                    result.Model?.Dispose();
                }
            return 0;
        });
        return command;
    }

    private static IEnumerable<(Experiment Cell, string Encoders)> Cells(string arm, Experiment seed)
    {
        var seeds = new long[] { 1, 2, 3 };
        var main = new[] { (FusionKind.Concat, LabelRule.SameColour), (FusionKind.Product, LabelRule.SameColour),
                           (FusionKind.Concat, LabelRule.FirstIsBlack), (FusionKind.Concat, LabelRule.SecondIsBlack), (FusionKind.Concat, LabelRule.AllZeros) };
        var rest = new[] { (FusionKind.Product, LabelRule.FirstIsBlack), (FusionKind.Product, LabelRule.SecondIsBlack), (FusionKind.Product, LabelRule.AllZeros) };
        switch (arm)
        {
            case "quick":
                var quick = Profile.Load(Profile.Quick);
                foreach (var e in quick.Experiments) foreach (var s in Enumerable.Range(1, 10)) yield return (e with { Seed = s }, "fresh");
                break;
            case "heads":
                // The heads profile's runs again, with their BB..WW predictions (heads.csv records only the training-mode XNOR loss).
                var heads = Profile.Load("heads");
                foreach (var s in Enumerable.Range(1, 5)) foreach (var e in heads.Experiments) yield return (e with { Seed = s }, "fresh");
                break;
            case "seed10":
                foreach (var (h, l) in main) foreach (var s in seeds) yield return (seed with { Head = h, Labels = l, BatchSize = 10, Seed = s }, "fresh");
                break;
            case "lr":
                foreach (var lr in new[] { 0.01, 0.1 })
                    foreach (var s in seeds) yield return (seed with { Head = FusionKind.Product, BatchSize = 10, LearningRate = lr, Seed = s }, "fresh");

                break;
            case "seed1":
                foreach (var (h, l) in main.Take(3)) foreach (var s in seeds) yield return (seed with { Head = h, Labels = l, BatchSize = 1, Seed = s }, "fresh");
                break;
            case "shared":
                foreach (var s in seeds.Take(1)) yield return (seed with { Head = FusionKind.Product, BatchSize = 1, Seed = s }, "after-first-then-second");
                break;
            case "lr-concat":
                foreach (var s in seeds) yield return (seed with { Head = FusionKind.Concat, BatchSize = 10, LearningRate = 0.1, Seed = s }, "fresh");
                break;
            case "rest":
                foreach (var (h, l) in rest) foreach (var s in seeds) yield return (seed with { Head = h, Labels = l, BatchSize = 10, Seed = s }, "fresh");
                foreach (var (h, l) in main.Skip(3).Concat(rest)) foreach (var s in seeds) yield return (seed with { Head = h, Labels = l, BatchSize = 1, Seed = s }, "fresh");
                break;
            default:
                throw new ArgumentException($"Unknown study arm '{arm}'; valid: quick, heads, seed10, lr, seed1, shared, lr-concat, rest.");
        }
    }

    /// <summary>The study's cells are all on the question's colour pairs.</summary>
    private static readonly ColourSource Colours = new();

    /// <summary>The notebook scenario: the same two encoders first learn FirstIsBlack, then SecondIsBlack (concat head), then a fresh product head learns SameColour.</summary>
    private static TrainingResult RunWithPretrainedEncoders(Experiment cell, string encoders)
    {
        // No `using`: the models share encoders, and disposing one would free them.
        var first = Trainer.NewModel(cell with { Head = FusionKind.Concat }, CPU);
        Colours.Train(first, cell with { Head = FusionKind.Concat, Labels = LabelRule.FirstIsBlack }, CPU, null, default);
        var second = first.WithNewHead(FusionKind.Concat);
        Colours.Train(second, cell with { Head = FusionKind.Concat, Labels = LabelRule.SecondIsBlack, Seed = cell.Seed + 1000 }, CPU, null, default);
        var product = second.WithNewHead(cell.Head);
        return Colours.Train(product, cell with { Seed = cell.Seed + 2000 }, CPU, null, default);
    }

    /// <summary>`study-summary`: the study's CSV as a Markdown table, one row per cell, for fixtures/reproduction/README.md.</summary>
    public static Command CreateSummary()
    {
        var input = new Option<string>("--in") { Description = "Study CSV to summarise.", DefaultValueFactory = _ => Fixtures.Path("reproduction", "study.csv") };
        var command = new Command("study-summary", """
            Print the reproduction study's results as a Markdown table, one row per cell.

            Examples:
              xnor-spec-tools study-summary
              xnor-spec-tools study-summary --in my-study.csv
            """) { input };
        command.SetAction(parsed =>
        {
            var lines = File.ReadAllLines(parsed.GetValue(input)!);
            var column = lines[0].Split(',').Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
            var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
            string[] key = ["arm", "head", "labels", "batchSize", "learningRate", "encoderStart"];
            Console.WriteLine("| arm | head | labels | batch | lr | encoders | seeds | first-epoch loss | final loss (mean, min..max) | eval predictions BB/BW/WB/WW (seed 1 or first) |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var cell in rows.GroupBy(r => string.Join(",", key.Select(k => r[column[k]]))))
            {
                var r = cell.First();
                string C(string[] row, string name) => row[column[name]];
                double[] final = cell.Select(x => P(C(x, "finalLoss"))).ToArray(), first = cell.Select(x => P(C(x, "firstEpochLoss"))).ToArray();
                Console.WriteLine($"| {string.Join(" | ", key.Select(k => C(r, k)))} | {string.Join(" ", cell.Select(x => C(x, "seed")))} | "
                    + $"{first.Average():F3} | {final.Average():F4} ({final.Min():F4}..{final.Max():F4}) | "
                    + string.Join("/", new[] { "BB", "BW", "WB", "WW" }.Select(k => P(C(r, k)).ToString("F2", CultureInfo.InvariantCulture))) + " |");
            }
            return 0;
        });
        return command;
    }

    private static double P(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static string Key(string row) => string.Join(",", row.Split(',').Take(KeyCells));

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
