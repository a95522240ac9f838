using System.Diagnostics;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Tools;

/// <summary>
/// bench's real-image figures: reading Fashion-MNIST (the full dataset when found, and the checked-in subset),
/// building pairs at 28x28 (drawing them, then turning them into tensors), and the quick real-image setting's
/// training throughput on the subset (SmallCnn encoders, product head, batch 32, 640 pairs an epoch, SGD lr 0.1
/// momentum 0.9, MSE; one libtorch thread, as the trainer runs SmallCnn). A figure not reached is NaN.
/// They are measured in the order subset, training, full dataset, pair building. Page faults per step are recorded
/// with the training figure: the trainer raises glibc's trim and mmap thresholds before its first step
/// (NativeMemory.KeepFreedBlocksBetweenSteps), so a step keeps its freed blocks instead of faulting them back in
/// (about 770 minor faults a step without it, single digits with it).
/// </summary>
internal static class RealImageBench
{
    /// <param name="Found">False when no full dataset was found: then Folder, the counts and Seconds are null or NaN, and Reason says why.</param>
    /// <param name="Source">Where the folder came from: --data, XNORSPEC_FASHION_MNIST, the package folder, or the fixtures.</param>
    public sealed record DatasetLoad(string Which, bool Found, string? Folder, string? Source, int? TrainImages, int? TestImages, double Seconds, string? Reason);

    /// <summary>Drawing <paramref name="Pairs"/> pairs (an epoch's shuffled batches, epoch after epoch) and turning them into float32 tensors.</summary>
    public sealed record PairBuilding(string Images, int ImagesInSplit, int ImageSize, int Pairs, int BatchSize,
        double DrawSeconds, double DrawPairsPerSecond, double TensorSeconds, double TensorPairsPerSecond, double PairsPerSecond);

    /// <param name="Threads">libtorch threads during training (the trainer runs SmallCnn on one).</param>
    /// <param name="PairsPerSecond">Pairs of the epochs after the first (a warm-up) over their seconds; NaN with fewer than two epochs.</param>
    /// <param name="PageFaultsPerStep">Median minor page faults of a step after the first epoch, each epoch's first step left out (Linux; NaN elsewhere).</param>
    public sealed record TrainingThroughput(string Encoder, string Head, string Images, int ImageSize, int BatchSize, int PairsPerEpoch, double LearningRate, double Momentum,
        int Threads, int EpochsPlanned, double[] EpochSeconds, double PairsPerSecond, double PageFaultsPerStep);

    public sealed record Figures(DatasetLoad FullDataset, DatasetLoad Fixture, PairBuilding[] PairBuilding, TrainingThroughput Training);

    /// <summary>Pairs drawn and turned into tensors for the pair-building figures: ten quick-setting epochs.</summary>
    public const int PairsBuilt = 6400;

    /// <summary>The fashion-quick profile's product experiment (fixtures/profiles/fashion-quick.json), for <paramref name="epochs"/> epochs.</summary>
    public static Experiment Quick(int epochs) => Profile.Load(Profile.FashionQuick).Get(FusionKind.Product, LabelRule.SameCategory) with { Epochs = epochs };

    /// <summary>Every figure NaN (or absent): what the report holds when the run stopped before reaching them.</summary>
    public static Figures NotReached(int epochs) => new(
        new DatasetLoad("full", false, null, null, null, null, double.NaN, "not reached"),
        new DatasetLoad("fixture", false, null, null, null, null, double.NaN, "not reached"),
        [], Throughput(Quick(epochs), "fixture", 0, [], double.NaN));

    /// <summary>
    /// Measures in order: the subset's loading, the training, the full dataset's loading, the pair building.
    /// Stopped early, it returns what it measured; the second value then says where it stopped.
    /// </summary>
    public static (Figures Figures, string? StoppedDuring) Measure(string? dataFolder, int epochs, CancellationToken stop)
    {
        var figures = NotReached(epochs);
        var experiment = Quick(epochs);
        Console.WriteLine("real images: reading the Fashion-MNIST subset ...");
        var (fixtureTrain, fixtureTest, took) = FashionMnistFiles.Load(FashionMnistFiles.FixtureFolder);
        using var _train = fixtureTrain;
        using var _test = fixtureTest;
        var fixture = new DatasetLoad("fixture", true, FashionMnistFiles.FixtureFolder, "the fixtures", fixtureTrain.Count, fixtureTest.Count, took.TotalSeconds, null);
        Console.WriteLine($"  fixture subset ({fixture.Folder}): {fixture.TrainImages:N0} + {fixture.TestImages:N0} images in {fixture.Seconds:F3} s");
        figures = figures with { Fixture = fixture };
        if (stop.IsCancellationRequested) return (figures, "the start of the real-image training");

        Console.WriteLine($"real images: training, the quick setting ({experiment.Encoder}, {experiment.Head} head, batch {experiment.BatchSize}, "
            + $"{experiment.Pairs} pairs an epoch on the fixture subset), {epochs} epochs ...");
        var (epochSeconds, threads, faults) = TimeTraining(experiment, fixtureTrain, stop);
        figures = figures with { Training = Throughput(experiment, "fixture", threads, epochSeconds, faults) };
        if (epochSeconds.Length < epochs) return (figures, $"the real-image training, epoch {epochSeconds.Length + 1} of {epochs}");
        if (stop.IsCancellationRequested) return (figures, "the start of the full dataset's loading");

        Console.WriteLine("real images: reading the full Fashion-MNIST ...");
        var (full, fullSplits) = LoadFull(dataFolder);
        using var fullTrain = fullSplits?.Train;
        using var fullTest = fullSplits?.Test;
        Console.WriteLine(full.Found
            ? $"  full dataset ({full.Folder}, from {full.Source}): {full.TrainImages:N0} + {full.TestImages:N0} images in {full.Seconds:F2} s"
            : $"  full dataset: not found ({full.Reason}); its figures are n/a");
        figures = figures with { FullDataset = full };

        Console.WriteLine($"real images: building {PairsBuilt} pairs at {experiment.ImageSize}x{experiment.ImageSize}, batch {experiment.BatchSize} ...");
        var building = new List<PairBuilding>();
        foreach (var (name, split) in new[] { ("fixture", fixtureTrain), ("full", fullTrain) })
        {
            if (split is null) continue;
            if (stop.IsCancellationRequested) return (figures with { PairBuilding = building.ToArray() }, "the real-image pair building");
            var built = BuildPairs(name, split, experiment);
            building.Add(built);
            Console.WriteLine($"  {name} ({built.ImagesInSplit:N0} training images): drawing {built.DrawPairsPerSecond:N0} pairs/s, "
                + $"to tensors {built.TensorPairsPerSecond:N0} pairs/s, both {built.PairsPerSecond:N0} pairs/s");
        }
        return (figures with { PairBuilding = building.ToArray() }, null);
    }

    private static TrainingThroughput Throughput(Experiment experiment, string images, int threads, double[] epochSeconds, double faultsPerStep) => new(
        experiment.Encoder.ToString(), experiment.Head.ToString(), images, experiment.ImageSize, experiment.BatchSize, experiment.Pairs,
        experiment.LearningRate, experiment.Momentum, threads, experiment.Epochs, epochSeconds,
        epochSeconds.Length >= 2 ? experiment.Pairs * (epochSeconds.Length - 1) / epochSeconds.Skip(1).Sum() : double.NaN, faultsPerStep);

    // The full dataset where FashionMnistFiles.Locate finds it (--data, XNORSPEC_FASHION_MNIST, the package folder); absent or
    // unreadable, the figure is NaN with the reason, never a failure: the bench measures what this machine has.
    private static (DatasetLoad Load, (LabelledImages Train, LabelledImages Test)? Splits) LoadFull(string? dataFolder)
    {
        var source = !string.IsNullOrEmpty(dataFolder) ? "--data"
            : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FashionMnistFiles.EnvironmentVariable)) ? FashionMnistFiles.EnvironmentVariable
            : "the package folder";
        try
        {
            var folder = FashionMnistFiles.Locate(dataFolder);
            var (train, test, took) = FashionMnistFiles.Load(folder);
            return (new DatasetLoad("full", true, Path.GetFullPath(folder), source, train.Count, test.Count, took.TotalSeconds, null), (train, test));
        }
        catch (BadFileException e)
        {
            return (new DatasetLoad("full", false, null, source, null, null, double.NaN, e.Message), null);
        }
    }

    // One epoch's worth first, untimed (JIT, first allocations); then PairsBuilt pairs drawn (materialised batches, epoch
    // after epoch), then the same batches turned into tensors, each batch's tensors freed before the next. On one libtorch
    // thread, as the trainer builds SmallCnn's batches: on two, with the other core busy, a batch's float conversion
    // waits for the second thread and took 2 to 5 ms instead of 30 to 40 us (measured under load on this machine).
    private static PairBuilding BuildPairs(string name, LabelledImages split, Experiment experiment)
    {
        using var oneThread = NativeBackend.UseThreads(1);
        var source = new CategoryPairs(split, experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels);
        Time(source, [-2], experiment.BatchSize); // the warm-up: one epoch's pairs, the same code
        var (draw, tensors, pairs) = Time(source, Enumerable.Range(0, PairsBuilt / experiment.Pairs).ToArray(), experiment.BatchSize);
        return new PairBuilding(name, split.Count, experiment.ImageSize, pairs, experiment.BatchSize,
            draw, pairs / draw, tensors, pairs / tensors, pairs / (draw + tensors));
    }

    private static (double DrawSeconds, double TensorSeconds, int Pairs) Time(CategoryPairs source, int[] epochs, int batchSize)
    {
        var clock = Stopwatch.StartNew();
        var batches = epochs.SelectMany(epoch => source.Batches(epoch, batchSize)).ToList();
        double draw = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var batch in batches) ToTensorsAndFree(source, batch);
        return (draw, clock.Elapsed.TotalSeconds, batches.Sum(b => b.Count));
    }

    private static void ToTensorsAndFree(CategoryPairs source, IReadOnlyList<ImagePair> batch)
    {
        using var scope = NewDisposeScope();
        source.ToTensors(batch, CPU);
    }

    private static (double[] EpochSeconds, int Threads, double FaultsPerStep) TimeTraining(Experiment experiment, LabelledImages images, CancellationToken stop)
    {
        var epochSeconds = new List<double>();
        var faultsPerStep = new List<double>();
        int threads = 0;
        long faults = Memory.MinorPageFaults();
        var clock = Stopwatch.StartNew();
        var afterEachStep = new SyncProgress<StepReport>(r =>
        {
            threads = get_num_threads();
            long now = Memory.MinorPageFaults();
            // The first epoch is a warm-up, and an epoch's first step finds the memory handed back at the last one's end.
            if (r.Epoch > 0 && r.Step > 0) faultsPerStep.Add(now - faults);
            faults = now;
            if (r.Step != r.StepsPerEpoch - 1) return;
            epochSeconds.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"  real-image epoch {r.Epoch + 1}/{experiment.Epochs}: {epochSeconds[^1]:F3} s, {experiment.Pairs / epochSeconds[^1]:F0} pairs/s, loss {r.Loss:F4}");
            clock.Restart();
        });
        var data = new CategoryPairs(images, experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels);
        using var model = Trainer.NewModel(experiment, CPU);
        clock.Restart();
        Trainer.Fit(model, experiment, data, CPU, afterEachStep, stop);
        return (epochSeconds.ToArray(), threads, faultsPerStep.Count > 0 && faults >= 0 ? Statistics.Median(faultsPerStep) : double.NaN);
    }
}
