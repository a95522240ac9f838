using System.Diagnostics;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Tools;

/// <summary>
/// bench's step profile: where a training step of the two quick settings goes, and how far the trainer is from the
/// bare step. The trainer's figure is <see cref="Trainer.Fit{TPair}"/> with a <see cref="StepProfile"/>: the mean
/// milliseconds of data (drawing the pairs, building their tensors), forward, backward, optimiser (zero_grad and SGD)
/// and the rest. The bare step is the same model (same seed, same modules) trained on batches built before the clock
/// starts, its encoders and head called directly: no pair drawing, no input checks, no dispose scopes but the step's,
/// no progress. Each round runs both, in alternating order, so that the machine's drift falls on both; each figure is
/// the median of the rounds, the overhead the median of the rounds' ratios.
/// </summary>
internal static class StepProfileBench
{
    /// <param name="Name">"quick colours" or "quick real images".</param>
    /// <param name="TrainerMs">Median over rounds of the trainer's mean step, and of each phase.</param>
    /// <param name="BareMs">Median over rounds of the bare step's mean, and of its forward, backward, optimiser and rest.</param>
    /// <param name="OverheadPercent">Median over rounds of 100 (trainer / bare - 1).</param>
    public sealed record Setting(string Name, string Encoder, string Head, int ImageSize, int BatchSize, int PairsPerEpoch, int Threads,
        int Rounds, int EpochsPerRound, int StepsTimedPerRound, Phases TrainerMs, Phases BareMs, double OverheadPercent);

    /// <summary>Mean milliseconds a step, by phase (data is 0 for the bare step: its batches are built before timing).</summary>
    public sealed record Phases(double Step, double Data, double Forward, double Backward, double Optimiser, double Rest);

    public static Setting[] NotReached => [];

    /// <summary>Both settings, <paramref name="rounds"/> rounds each of <paramref name="epochs"/> epochs (the first a warm-up). Stopped, returns what it measured.</summary>
    public static (Setting[] Settings, string? StoppedDuring) Measure(int rounds, int epochs, CancellationToken stop)
    {
        var settings = new List<Setting>();
        var colours = Profile.Load(Profile.Quick).Get(FusionKind.Product, LabelRule.SameColour) with { Epochs = epochs };
        Console.WriteLine($"step profile: quick colours ({colours.Encoder}, {colours.Head} head, {colours.ImageSize}x{colours.ImageSize}, batch {colours.BatchSize}, "
            + $"{colours.Pairs} pairs an epoch), {rounds} rounds of {epochs} epochs, trainer and bare step alternated ...");
        var first = MeasureSetting("quick colours", colours, new PairDataset(colours.Seed, colours.Pairs, colours.ImageSize, colours.Labels), rounds, stop);
        if (first is null) return (settings.ToArray(), "the step profile of the quick colour setting");
        settings.Add(first);
        Print(first);

        var real = RealImageBench.Quick(epochs);
        var (train, test, _) = FashionMnistFiles.Load(FashionMnistFiles.FixtureFolder);
        using var _train = train;
        using var _test = test;
        Console.WriteLine($"step profile: quick real images ({real.Encoder}, {real.Head} head, {real.ImageSize}x{real.ImageSize}, batch {real.BatchSize}, "
            + $"{real.Pairs} pairs an epoch of the fixture subset), {rounds} rounds of {epochs} epochs ...");
        var second = MeasureSetting("quick real images", real, new CategoryPairs(train, real.Seed, real.Pairs, real.ImageSize, real.Labels), rounds, stop);
        if (second is null) return (settings.ToArray(), "the step profile of the quick real-image setting");
        settings.Add(second);
        Print(second);
        return (settings.ToArray(), null);
    }

    private static Setting? MeasureSetting<TPair>(string name, Experiment experiment, IPairBatches<TPair> data, int rounds, CancellationToken stop)
    {
        var trainer = new List<Phases>();
        var bare = new List<Phases>();
        int threads = 0, steps = 0;
        // Whichever runs first in a round measured slower on this machine, so the order alternates: trainer first in even rounds, bare first in odd ones.
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool trainerNow in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                if (stop.IsCancellationRequested) return null;
                if (!trainerNow)
                {
                    (var bareRound, threads) = BareSteps(experiment, data, stop);
                    if (bareRound is null) return null;
                    bare.Add(bareRound);
                    continue;
                }
                var profile = new StepProfile(firstEpoch: 1);
                using (var model = Trainer.NewModel(experiment, CPU))
                {
                    var fitted = Trainer.Fit(model, experiment, data, CPU, cancel: stop, profile: profile);
                    if (!fitted.Completed) return null;
                }
                trainer.Add(new Phases(profile.MeanStepMs, profile.MeanMs(StepPhase.Data), profile.MeanMs(StepPhase.Forward), profile.MeanMs(StepPhase.Backward),
                    profile.MeanMs(StepPhase.Optimiser), profile.MeanMs(StepPhase.Rest)));
                steps = profile.Steps;
            }
        }
        static double Median(IEnumerable<double> values) => Statistics.Median(values);
        static Phases MedianOf(List<Phases> p) => new(Median(p.Select(x => x.Step)), Median(p.Select(x => x.Data)), Median(p.Select(x => x.Forward)),
            Median(p.Select(x => x.Backward)), Median(p.Select(x => x.Optimiser)), Median(p.Select(x => x.Rest)));
        double overhead = Median(trainer.Zip(bare, (t, b) => 100 * (t.Step / b.Step - 1)));
        return new Setting(name, experiment.Encoder.ToString(), experiment.Head.ToString(), experiment.ImageSize, experiment.BatchSize, experiment.Pairs, threads,
            rounds, experiment.Epochs, steps, MedianOf(trainer), MedianOf(bare), overhead);
    }

    /// <summary>
    /// The same model and optimiser as the trainer's, on one epoch's batches built beforehand and reused every epoch, on
    /// the trainer's thread count and heap setting; the first epoch a warm-up.
    /// </summary>
    private static (Phases? Phases, int Threads) BareSteps<TPair>(Experiment experiment, IPairBatches<TPair> data, CancellationToken stop)
    {
        using var oneThread = experiment.Encoder is EncoderKind.SmallCnn or EncoderKind.SmallCnnGroupNorm or EncoderKind.TinyCnn ? NativeBackend.UseThreads(1) : null;
        NativeMemory.KeepFreedBlocksBetweenSteps();
        using var model = Trainer.NewModel(experiment, CPU);
        using var optimizer = optim.SGD(model.parameters(), experiment.LearningRate, experiment.Momentum);
        using var batchScope = NewDisposeScope();
        var batches = data.Batches(0, experiment.BatchSize).Select(b => data.ToTensors(b, CPU)).ToArray();
        var ticks = new long[4]; // forward, backward, optimiser, rest
        int steps = 0;
        using var _ = enable_grad();
        model.train();
        for (int epoch = 0; epoch < experiment.Epochs; epoch++)
        {
            foreach (var (query, template, labels) in batches)
            {
                if (stop.IsCancellationRequested) return (null, get_num_threads());
                long start = Stopwatch.GetTimestamp(), zeroed, forward, backward, stepped;
                using (NewDisposeScope())
                {
                    optimizer.zero_grad();
                    zeroed = Stopwatch.GetTimestamp();
                    var output = sigmoid(model.LogitOfCheckedInputs(query, template)); // the encoders and the head, no checks
                    var loss = nn.functional.mse_loss(output, labels);
                    forward = Stopwatch.GetTimestamp();
                    loss.backward();
                    backward = Stopwatch.GetTimestamp();
                    optimizer.step();
                    stepped = Stopwatch.GetTimestamp();
                    loss.item<float>();
                }
                long end = Stopwatch.GetTimestamp();
                if (epoch == 0) continue;
                ticks[0] += forward - zeroed;
                ticks[1] += backward - forward;
                ticks[2] += zeroed - start + stepped - backward;
                ticks[3] += end - stepped;
                steps++;
            }
        }
        double Ms(long t) => 1000.0 * t / Stopwatch.Frequency / steps;
        return (new Phases(Ms(ticks.Sum()), 0, Ms(ticks[0]), Ms(ticks[1]), Ms(ticks[2]), Ms(ticks[3])), get_num_threads());
    }

    public static void Print(Setting s)
    {
        Console.WriteLine($"  {s.Name} ({s.Encoder}, {s.Head} head, {s.ImageSize}x{s.ImageSize}, batch {s.BatchSize}, {s.Threads} thread(s); median of {s.Rounds} rounds of {s.StepsTimedPerRound} steps):");
        Console.WriteLine("  | ms a step | whole | data | forward | backward | optimiser | rest |");
        Console.WriteLine("  |-----------|------:|-----:|--------:|---------:|----------:|-----:|");
        foreach (var (label, p) in new[] { ("trainer", s.TrainerMs), ("bare step", s.BareMs) })
            Console.WriteLine($"  | {label,-9} | {p.Step,5:F2} | {p.Data,4:F2} | {p.Forward,7:F2} | {p.Backward,8:F2} | {p.Optimiser,9:F2} | {p.Rest,4:F2} |");
        Console.WriteLine($"  trainer over the bare step: {s.OverheadPercent:+0.0;-0.0}%");
    }
}
