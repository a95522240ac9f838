using XnorSpec.Sources;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Tools;

/// <summary>
/// `bench`: how close training runs to this machine's ceiling, measured side by side in one process:
/// sgemm throughput first, then the seed configuration at batch sizes 1 and 10 (and the profile's),
/// the fixed cost of one step, and memory across epochs. Prints figures; asserts nothing.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for bench.json. Default: results/bench.", DefaultValueFactory = _ => Path.Combine("results", "bench") };
        var shortMode = new Option<bool>("--short") { Description = "CI mode, under a minute: 64x64 images, 40 pairs, a 2048 sgemm. Figures are for trends only." };
        var imageSize = Options.OptionalNumber<int>("--image-size", "Image side in pixels (default: 128, the seed's; 64 with --short; at least 64, which batch size 1 needs).");
        var pairs = Options.OptionalNumber<int>("--pairs", "Pairs per epoch (default: 100, the seed's; 40 with --short; at least 10, which batch size 10 needs).");
        var realImagesOnly = new Option<bool>("--real-images-only") { Description = "Only the real-image figures (Fashion-MNIST loading, pair building, the quick real-image training): seconds, not minutes." };
        var stepProfileOnly = new Option<bool>("--step-profile-only") { Description = "Only the step profile of the quick colour and real-image settings (data, forward, backward, optimiser, rest) against the bare step: under a minute." };
        var data = new Option<string?>("--data") { Description = $"Folder of the full Fashion-MNIST (its four gzipped IDX files) whose loading is timed. Default: ${FashionMnistFiles.EnvironmentVariable}, else {FashionMnistFiles.PackageFolder}; not found, its figures are n/a." };
        var command = new Command("bench", """
            Measure training throughput against this machine's sgemm ceiling: seconds per epoch, pairs per
            second, achieved GFLOP/s, efficiency and page faults per step at batch sizes 1 and 10, the fixed
            cost of a step, peak RSS and the growth of RSS and live tensors from epoch 2 to epoch 10. About 3
            minutes on 2 cores. Then the real-image figures, a few seconds: reading Fashion-MNIST (the full
            dataset when found, and the checked-in subset), building pairs at 28x28 and the quick real-image
            training (SmallCnn, product head, batch 32, one thread) in pairs per second. Last the step profile
            of the quick colour and real-image settings: the trainer's mean milliseconds a step of data,
            forward, backward, optimiser and the rest, against the bare step of the same model on batches
            built beforehand, and the trainer's overhead over it in per cent. Ctrl-C or SIGTERM
            stops after the current step and still prints and writes the figures measured so far, marked
            complete: false (exit code 1); started with Ctrl-C ignored (nohup, or `&` in a script), only
            SIGTERM does. One run per folder: a second bench on a folder in use is refused (exit code 2),
            naming the process that holds it.

            Examples:
              xnor-spec-tools bench
              xnor-spec-tools bench --short --out results/bench-short
              xnor-spec-tools bench --image-size 224 --out results/bench-224
              xnor-spec-tools bench --real-images-only --data /usr/share/datasets/fashion-mnist
              xnor-spec-tools bench --step-profile-only
            """)
        { outDir, shortMode, imageSize, pairs, realImagesOnly, stepProfileOnly, data };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(realImagesOnly) && parsed.GetValue(stepProfileOnly))
                throw new ArgumentException("--real-images-only and --step-profile-only each measure one part of the bench; give one of them, or neither for the whole bench.");
            var only = parsed.GetValue(realImagesOnly) ? "--real-images-only" : parsed.GetValue(stepProfileOnly) ? "--step-profile-only" : null;
            if (only is not null && (parsed.GetValue(imageSize) is not null || parsed.GetValue(pairs) is not null))
                throw new ArgumentException($"--image-size and --pairs size the seed configuration's runs, which {only} skips; leave them out, "
                    + $"or drop {only} (the real-image figures and the step profile always use the quick settings).");
            var folder = parsed.GetValue(outDir)!;
            AtomicFile.EnsureWritableDirectory(folder);
            using var writer = OutputLock.OnFolder(folder); // held to the end: one run per folder
            using var signals = new StopSignals();
            var part = parsed.GetValue(realImagesOnly) ? Part.RealImages : parsed.GetValue(stepProfileOnly) ? Part.StepProfile : Part.All;
            var report = Run(Settings(parsed.GetValue(shortMode), parsed.GetValue(imageSize), parsed.GetValue(pairs)), parsed.GetValue(shortMode),
                part, parsed.GetValue(data), signals.Token);
            Print(report);
            var path = Path.Combine(folder, "bench.json");
            // A figure that could not be measured is NaN; JSON has no NaN, so it is written as "NaN".
            var options = new JsonSerializerOptions(Json.Options) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, options));
            Console.WriteLine($"Wrote {path}.");
            if (report.Complete) return ExitCodes.Success;
            Console.Error.WriteLine($"Interrupted during {report.StoppedDuring}: the figures measured before it are in {path} (complete: false; the rest are missing or NaN).");
            return ExitCodes.RunFailed;
        });
        return command;
    }

    /// <param name="PageFaultsPerStep">Median minor page faults of a step after an epoch's first (Linux; NaN elsewhere).</param>
    /// <param name="EpochsPlanned">Epochs the run was to time; fewer in <paramref name="EpochSeconds"/> means it was interrupted,
    /// and its figures come from the epochs it finished (the first epochs of a run are the slowest).</param>
    public sealed record Throughput(int BatchSize, double SecondsPerEpoch, double PairsPerSecond, double AchievedGflops, double Efficiency, double PageFaultsPerStep,
        double[] EpochSeconds, int EpochsPlanned);

    public sealed record Report(
        string Mode, string Backend, int Threads, int ImageSize, int Pairs, double GflopPerEpoch, string FlopCount,
        double SgemmGflops, int SgemmSize, int SgemmProductsTimed, Throughput[] Training, double StepOverheadMs,
        double PeakRssMb, double RssGrowthPercent, double[] RssMbAfterEpoch, long[] LiveTensorsAfterEpoch, RealImageBench.Figures RealImages,
        StepProfileBench.Setting[] StepProfile, string Started, bool Complete, string? StoppedDuring);

    /// <summary>What a run measures: everything, or one part alone.</summary>
    private enum Part { All, RealImages, StepProfile }

    // Ctrl-C or SIGTERM stops after the current matrix product or training step; every figure measured
    // before it is reported and written, the rest are NaN or left out, and the report says where it stopped.
    // With one part, the others are skipped (NaN or empty).
    private static Report Run(Experiment settings, bool shortMode, Part part, string? dataFolder, CancellationToken stop)
    {
        bool seedRuns = part == Part.All;
        var backend = NativeBackend.EnsureLoaded();
        var started = DateTimeOffset.UtcNow.ToString("u");
        double gflopPerEpoch = Flops.TrainingEpoch(settings.Pairs, settings.ImageSize) / 1e9;
        string? stoppedDuring = null;

        int sgemmSize = shortMode ? 2048 : 4096;
        var (sgemm, timed) = (double.NaN, 0);
        if (seedRuns)
        {
            Console.WriteLine($"sgemm {sgemmSize}x{sgemmSize} ({backend}) ...");
            (sgemm, timed) = SgemmGflops(sgemmSize, stop);
            if (timed < SgemmRepeats) stoppedDuring = $"the sgemm measurement ({timed} of {SgemmRepeats} products timed)";
            else Console.WriteLine($"  sgemm: {sgemm:F1} GFLOP/s");
        }

        var throughputs = new List<Throughput>();
        double[] rss = [];
        long[] live = [];
        foreach (int batchSize in seedRuns ? BatchSizes(settings) : [])
        {
            if (stoppedDuring is null && stop.IsCancellationRequested) stoppedDuring = $"the start of batch size {batchSize}";
            if (stoppedDuring is not null) break;
            int epochs = EpochsAt(batchSize);
            Console.WriteLine($"seed configuration, batch size {batchSize}, {epochs} epochs ({settings.ImageSize}x{settings.ImageSize}, {settings.Pairs} pairs) ...");
            var (epochSeconds, faultsPerStep, rssAfterEpoch, liveAfterEpoch) = TimeEpochs(settings with { BatchSize = batchSize, Epochs = epochs }, stop);
            if (epochSeconds.Length < epochs) stoppedDuring = $"batch size {batchSize}, epoch {epochSeconds.Length + 1} of {epochs}";
            // Seconds per epoch leave the first epoch out, so an interrupted run needs two finished epochs for it.
            double secondsPerEpoch = epochSeconds.Length >= 2 ? Statistics.Median(epochSeconds.Skip(1)) : double.NaN;
            double achieved = gflopPerEpoch / secondsPerEpoch;
            if (epochSeconds.Length > 0)
                throughputs.Add(new Throughput(batchSize, secondsPerEpoch, settings.Pairs / secondsPerEpoch, achieved, achieved / sgemm, faultsPerStep, epochSeconds, epochs));
            if (batchSize == 10) (rss, live) = (rssAfterEpoch, liveAfterEpoch);
        }

        if (stoppedDuring is null && stop.IsCancellationRequested) stoppedDuring = "the start of the step-overhead measurement";
        double overhead = stoppedDuring is null && seedRuns ? StepOverheadMs() : double.NaN;
        double growth = rss.Length >= 10 ? 100 * (rss[9] - rss[1]) / rss[1] : double.NaN;

        int realEpochs = RealImageEpochs(shortMode);
        if (stoppedDuring is null && stop.IsCancellationRequested) stoppedDuring = "the start of the real-image figures";
        var realImages = RealImageBench.NotReached(realEpochs);
        if (stoppedDuring is null && part != Part.StepProfile) (realImages, stoppedDuring) = RealImageBench.Measure(dataFolder, realEpochs, stop);

        if (stoppedDuring is null && stop.IsCancellationRequested) stoppedDuring = "the start of the step profile";
        var profile = StepProfileBench.NotReached;
        if (stoppedDuring is null && part != Part.RealImages)
            (profile, stoppedDuring) = StepProfileBench.Measure(rounds: shortMode ? 2 : 6, epochs: shortMode ? 4 : 21, stop);

        var only = part switch { Part.RealImages => "real images only", Part.StepProfile => "step profile only", _ => "" };
        var mode = only + (only.Length > 0 && shortMode ? ", " : "") + (shortMode ? "short" : only.Length > 0 ? "" : "full");
        return new Report(mode, backend, get_num_threads(), settings.ImageSize, settings.Pairs, gflopPerEpoch,
            "2 FLOPs per multiply-add of every convolution and linear layer, forward x 3 for a training step, 2 images per pair (XnorSpec.Model.Flops)",
            sgemm, sgemmSize, timed, throughputs.ToArray(), overhead, Memory.PeakRssMb(), growth, rss, live, realImages, profile, started, stoppedDuring is null, stoppedDuring);
    }

    // The quick real-image training: the first epoch a warm-up, then 3 timed (--short) or 10.
    private static int RealImageEpochs(bool shortMode) => shortMode ? 4 : 11;

    private const int SgemmRepeats = 5;

    private static int[] BatchSizes(Experiment settings) => new[] { 1, 10, settings.BatchSize }.Distinct().ToArray();

    // Batch size 10 runs 10 epochs: its run also gives the memory figures (epoch 2 to epoch 10).
    private static int EpochsAt(int batchSize) => batchSize == 10 ? 10 : 3;

    /// <summary>The seed configuration at the chosen size, every batch size's run checked before anything is measured.</summary>
    private static Experiment Settings(bool shortMode, int? imageSize, int? pairs)
    {
        var seed = Profile.Load(Profile.Seed).Settings;
        var settings = seed with { ImageSize = imageSize ?? (shortMode ? 64 : seed.ImageSize), Pairs = pairs ?? (shortMode ? 40 : seed.Pairs) };
        foreach (int batchSize in BatchSizes(settings))
        {
            try { (settings with { BatchSize = batchSize, Epochs = EpochsAt(batchSize) }).Validated(); }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"bench trains at batch sizes {string.Join(" and ", BatchSizes(settings))} with --image-size {settings.ImageSize} "
                    + $"and --pairs {settings.Pairs}, and batch size {batchSize} cannot: {e.Reason()}", e.ParamName);
            }
        }
        return settings;
    }

    // Median of several timed products after warm-up: the practical fp32 ceiling through TorchSharp.
    // Stopped early, it is the median of the products timed so far (NaN if none was).
    private static (double Gflops, int Timed) SgemmGflops(int n, CancellationToken stop)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        for (int i = 0; i < 2 && !stop.IsCancellationRequested; i++) matmul(a, b).Dispose();
        var seconds = new List<double>();
        while (seconds.Count < SgemmRepeats && !stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            matmul(a, b).Dispose();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return (seconds.Count > 0 ? 2.0 * n * n * n / Statistics.Median(seconds) / 1e9 : double.NaN, seconds.Count);
    }

    private static (double[] EpochSeconds, double FaultsPerStep, double[] RssMb, long[] LiveTensors) TimeEpochs(Experiment experiment, CancellationToken stop)
    {
        var epochSeconds = new List<double>();
        var faultsPerStep = new List<double>();
        var clock = Stopwatch.StartNew();
        long faults = Memory.MinorPageFaults();
        var afterEachStep = new SyncProgress<StepReport>(r =>
        {
            long now = Memory.MinorPageFaults();
            // An epoch's first step finds the memory handed back at the end of the one before: left out.
            if (r.Step > 0) faultsPerStep.Add(now - faults);
            faults = now;
            if (r.Step != r.StepsPerEpoch - 1) return;
            epochSeconds.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"  epoch {r.Epoch + 1}/{experiment.Epochs}: {epochSeconds[^1]:F2} s");
            clock.Restart();
        });
        using var source = PairSources.For(experiment);
        var result = Trainer.Run(experiment, source, CPU, afterEachStep, stop);
        result.Model?.Dispose();
        // The trainer records resident memory and live tensors once each epoch has finished and tidied up.
        var rss = result.ResidentBytesAfterEpoch.Select(b => b / 1048576.0).ToArray();
        double medianFaults = faultsPerStep.Count > 0 && faults >= 0 ? Statistics.Median(faultsPerStep) : double.NaN;
        return (epochSeconds.ToArray(), medianFaults, rss, result.LiveTensorsAfterEpoch.ToArray());
    }

    // A one-weight model: what remains is the fixed cost of a step (dispatch, autograd, optimiser, scalar read).
    private static double StepOverheadMs()
    {
        using var model = nn.Linear(4, 1);
        using var optimizer = optim.SGD(model.parameters(), 0.01, 0.01);
        using var input = ones(2, 4);
        using var target = zeros(2, 1);
        var seconds = new List<double>();
        for (int i = 0; i < 250; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var _ = NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(input), target);
                loss.backward();
                optimizer.step();
                loss.item<float>();
            }
            if (i >= 50) seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return 1000 * Statistics.Median(seconds);
    }

    private static void Print(Report r)
    {
        Console.WriteLine();
        if (r.Mode.StartsWith("real images only") || r.Mode.StartsWith("step profile only"))
        {
            Console.WriteLine($"bench ({r.Mode}{(r.Complete ? "" : ", interrupted")}): {r.Backend}; the seed configuration's figures not measured");
            if (r.Mode.StartsWith("real images only")) PrintRealImages(r.RealImages);
            else PrintStepProfile(r.StepProfile);
            return;
        }
        Console.WriteLine($"bench ({r.Mode}{(r.Complete ? "" : ", interrupted")}): {r.Backend}; {r.ImageSize}x{r.ImageSize}, {r.Pairs} pairs, {r.GflopPerEpoch:F0} GFLOP per epoch (counted)");
        Console.WriteLine($"sgemm {r.SgemmSize}: {Figure(r.SgemmGflops, "F1")} GFLOP/s");
        Console.WriteLine("| batch | s/epoch | pairs/s | GFLOP/s | efficiency | page faults/step |");
        Console.WriteLine("|------:|--------:|--------:|--------:|-----------:|-----------------:|");
        foreach (var t in r.Training)
        {
            // A batch size the interruption cut short says so: its figures come from fewer epochs.
            var batch = t.EpochSeconds.Length < t.EpochsPlanned ? $"{t.BatchSize} ({t.EpochSeconds.Length} of {t.EpochsPlanned} epochs)" : t.BatchSize.ToString();
            Console.WriteLine($"| {batch,5} | {Figure(t.SecondsPerEpoch, "F2"),7} | {Figure(t.PairsPerSecond, "F1"),7} | {Figure(t.AchievedGflops, "F1"),7} | "
                + $"{Figure(t.Efficiency, "F2"),10} | {Figure(t.PageFaultsPerStep, "F0"),16} |");
        }
        Console.WriteLine($"step overhead (tiny model): {Figure(r.StepOverheadMs, "F3")} ms");
        Console.WriteLine($"peak RSS {r.PeakRssMb:F0} MB; RSS epoch 2 -> 10: {(double.IsNaN(r.RssGrowthPercent) ? "n/a (needs 10 epochs)" : $"{r.RssGrowthPercent:+0.0;-0.0}%")}"
            + (r.RssMbAfterEpoch.Length > 0 ? $" ({string.Join(" ", r.RssMbAfterEpoch.Select(m => m.ToString("F0")))} MB)" : ""));
        Console.WriteLine($"live tensors after each epoch: {(r.LiveTensorsAfterEpoch.Length > 0 ? string.Join(" ", r.LiveTensorsAfterEpoch) : "n/a (no batch-10 epoch finished)")}");
        PrintRealImages(r.RealImages);
        PrintStepProfile(r.StepProfile);
    }

    private static void PrintStepProfile(StepProfileBench.Setting[] settings)
    {
        Console.WriteLine("step profile (the trainer against the bare step of the same model on batches built beforehand):");
        if (settings.Length == 0) Console.WriteLine("  n/a (not reached)");
        foreach (var s in settings) StepProfileBench.Print(s);
    }

    private static void PrintRealImages(RealImageBench.Figures f)
    {
        string Load(RealImageBench.DatasetLoad d) => d.Found
            ? $"{Figure(d.Seconds, "F3")} s for {d.TrainImages:N0} + {d.TestImages:N0} images ({d.Folder})"
            : $"n/a ({d.Reason})";
        Console.WriteLine("real images (Fashion-MNIST, 28x28):");
        Console.WriteLine($"  loading the full dataset: {Load(f.FullDataset)}");
        Console.WriteLine($"  loading the fixture subset: {Load(f.Fixture)}");
        foreach (var b in f.PairBuilding)
            Console.WriteLine($"  building {b.Pairs} pairs from the {b.Images} training split ({b.ImagesInSplit:N0} images), batch {b.BatchSize}: drawing {b.DrawPairsPerSecond:N0} pairs/s, "
                + $"to tensors {b.TensorPairsPerSecond:N0} pairs/s, both {b.PairsPerSecond:N0} pairs/s");
        if (f.PairBuilding.Length == 0) Console.WriteLine("  building pairs: n/a (not reached)");
        var t = f.Training;
        var epochs = t.EpochSeconds.Length < t.EpochsPlanned ? $"{t.EpochSeconds.Length} of {t.EpochsPlanned} epochs" : $"{t.EpochsPlanned} epochs";
        Console.WriteLine($"  training, quick setting ({t.Encoder}, {t.Head} head, batch {t.BatchSize}, {t.PairsPerEpoch} pairs an epoch, {epochs}, the first not timed, "
            + $"{(t.Threads > 0 ? t.Threads.ToString() : "n/a")} thread(s)): {Figure(t.PairsPerSecond, "F0")} pairs/s, {Figure(t.PageFaultsPerStep, "F0")} page faults a step");
    }

    // A figure an interrupted run did not reach (or could not measure) is NaN in bench.json and "n/a" here.
    private static string Figure(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format);
}

/// <summary>Peak process memory from /proc/self/status (Linux); the peak working set elsewhere.</summary>
internal static class Memory
{
    public static double PeakRssMb() => Read("VmHWM:") ?? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;

    /// <summary>The process's minor page faults so far (field 10 of /proc/self/stat); -1 where there is none.</summary>
    public static long MinorPageFaults()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat)) return -1;
        var text = File.ReadAllText(stat);
        return long.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[7]); // after "pid (name) ": state is field 3
    }

    private static double? Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field));
        return line is null ? null : double.Parse(line[field.Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
