using System.Diagnostics;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Runtime;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>One finished step, for progress displays.</summary>
public readonly record struct StepReport(int Epoch, int Step, int StepsPerEpoch, float Loss);

/// <summary>
/// The question's training loop: SGD on every parameter, MSE against the labels, one pass over a
/// fresh draw of pairs per epoch. Each step owns its tensors through one dispose scope.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Builds a fresh model from the seed and trains it: on colour pairs, or on real-image pairs from
    /// <paramref name="images"/> (required when the experiment's data are real images).
    /// </summary>
    public static TrainingResult Run(Experiment experiment, Device? device = null, IProgress<StepReport>? progress = null, CancellationToken cancel = default,
        ImageSplits? images = null)
    {
        experiment.Validated();
        if (experiment.IsRealImages && images is null)
            throw new ArgumentException($"Experiment {experiment.Name} trains on {experiment.Data}; pass its images (FashionMnistFiles.Open).", nameof(images));
        NativeBackend.EnsureLoaded();
        device ??= CPU;
        var model = NewModel(experiment, device);
        try { return experiment.IsRealImages ? TrainOnImages(model, experiment, images!, device, progress, cancel) : Train(model, experiment, device, progress, cancel); }
        catch
        {
            model.Dispose(); // a failed run (diverged, cancelled by an error) hands back no model, so its parameters are freed here
            throw;
        }
    }

    /// <summary>A fresh model whose initial weights depend only on the experiment's seed.</summary>
    public static PairModel NewModel(Experiment experiment, Device device)
    {
        NativeBackend.EnsureLoaded();
        random.manual_seed(experiment.Seed);
        var model = new PairModel(experiment.Head, experiment.Encoder);
        model.to(device);
        return model;
    }

    /// <summary>Trains <paramref name="model"/> in place (it may already be trained) on colour pairs and returns the losses and BB..WW predictions.</summary>
    public static TrainingResult Train(PairModel model, Experiment experiment, Device device, IProgress<StepReport>? progress = null, CancellationToken cancel = default)
    {
        experiment.Validated();
        if (experiment.Data != PairData.Colours)
            throw new ArgumentException($"Experiment {experiment.Name} trains on {experiment.Data}; train it with Trainer.Run and its images, or TrainOnImages.", nameof(experiment));
        var fitted = Fit(model, experiment, new PairDataset(experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels), device, progress, cancel);
        return fitted with
        {
            Predictions = Predict(model, experiment.ImageSize, device),
            TrainModePredictions = PredictWithBatchStatistics(model, experiment.ImageSize, device),
        };
    }

    /// <summary>
    /// Trains on pairs of <paramref name="images"/>' training split and scores, after every epoch, the experiment's
    /// fixed held-out pairs of its test split (eval mode); then records the model's outputs on a few of them.
    /// </summary>
    public static TrainingResult TrainOnImages(PairModel model, Experiment experiment, ImageSplits images, Device device,
        IProgress<StepReport>? progress = null, CancellationToken cancel = default)
    {
        experiment.Validated();
        var training = new CategoryPairs(images.Train, experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels);
        var heldOut = new CategoryPairs(images.Test, experiment.Seed, experiment.HeldOutPairs, experiment.ImageSize, experiment.Labels);
        var heldOutPairs = heldOut.HeldOut(experiment.HeldOutPairs);
        var scores = new List<HeldOutScore>();
        var fitted = Fit(model, experiment, training, device, progress, cancel,
            afterEpoch: _ => scores.Add(Evaluate(model, heldOut, heldOutPairs, device)));
        return fitted with { HeldOutAfterEpoch = scores, Examples = Examples(model, heldOut, heldOutPairs, device) };
    }

    /// <summary>How many held-out pairs a result shows one by one (pairs.png): half same, half different.</summary>
    public const int ExampleCount = 8;

    /// <summary>The model's eval-mode output on the first <see cref="ExampleCount"/>/2 same and different held-out pairs.</summary>
    private static IReadOnlyList<HeldOutExample> Examples(PairModel model, CategoryPairs source, IReadOnlyList<ImagePair> heldOut, Device device)
    {
        var picked = heldOut.Where(p => p.SameCategory).Take(ExampleCount / 2)
            .Concat(heldOut.Where(p => !p.SameCategory).Take(ExampleCount / 2)).ToArray();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        try
        {
            var (query, template, labels) = source.ToTensors(picked, device);
            var output = model.call(query, template).cpu().data<float>().ToArray();
            var label = labels.cpu().data<float>().ToArray();
            return picked.Select((p, i) => new HeldOutExample(p.Query, p.Template, p.QueryCategory, p.TemplateCategory, label[i], output[i])).ToArray();
        }
        finally { model.train(); }
    }

    /// <summary>
    /// The question's loop on any source of pairs: per epoch, every batch once in the source's order, SGD on
    /// every parameter against the MSE, one dispose scope per step. Returns the losses; no predictions.
    /// <paramref name="afterEpoch"/> runs after each finished epoch (with its index), e.g. to score held-out pairs.
    /// </summary>
    public static TrainingResult Fit<TPair>(PairModel model, Experiment experiment, IPairSource<TPair> data, Device device, IProgress<StepReport>? progress = null,
        CancellationToken cancel = default, Action<int>? afterEpoch = null)
    {
        experiment.Validated();
        // SmallCnn's layers are too small to split: a quick-profile step takes about 12 ms on one
        // libtorch thread and 18 ms on two, so it trains on one (and so replays bit for bit whatever
        // the process's thread count). ResNet18 uses every thread the process has.
        using var oneThread = experiment.Encoder is EncoderKind.SmallCnn or EncoderKind.SmallCnnGroupNorm or EncoderKind.TinyCnn ? NativeBackend.UseThreads(1) : null;
        NativeMemory.KeepFreedBlocksBetweenSteps();
        using var optimizer = optim.SGD(model.parameters(), experiment.LearningRate, experiment.Momentum);
        int stepsPerEpoch = experiment.StepsPerEpoch;
        var stepLosses = new List<float>(experiment.Epochs * stepsPerEpoch);
        var liveTensors = new List<long>(experiment.Epochs);
        var residentBytes = new List<long>(experiment.Epochs);
        var clock = Stopwatch.StartNew();
        bool completed = true;

        using (var _ = enable_grad())
        {
            for (int epoch = 0; epoch < experiment.Epochs && completed; epoch++)
            {
                model.train();
                int step = 0;
                foreach (var batch in data.Batches(epoch, experiment.BatchSize))
                {
                    if (cancel.IsCancellationRequested) { completed = false; break; }
                    float loss = Step(model, optimizer, data, batch, device);
                    if (!float.IsFinite(loss))
                        throw new TrainingDivergedException(experiment, epoch, step, loss);
                    stepLosses.Add(loss);
                    progress?.Report(new StepReport(epoch, step, stepsPerEpoch, loss));
                    step++;
                }
                NativeMemory.ReturnFreedMemory();
                // Every step's tensors die with its scope: this count must stay flat from epoch to epoch.
                if (completed)
                {
                    liveTensors.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                    residentBytes.Add(Environment.WorkingSet);
                    afterEpoch?.Invoke(epoch);
                }
            }
        }

        return new TrainingResult(experiment, stepLosses.ToArray(), stepsPerEpoch, new Dictionary<string, float>(), clock.Elapsed.TotalSeconds, completed)
            { Model = model, LiveTensorsAfterEpoch = liveTensors, ResidentBytesAfterEpoch = residentBytes };
    }

    private static float Step<TPair>(PairModel model, optim.Optimizer optimizer, IPairSource<TPair> data, IReadOnlyList<TPair> batch, Device device)
    {
        using var scope = NewDisposeScope();
        var (query, template, labels) = data.ToTensors(batch, device);
        optimizer.zero_grad();
        var loss = nn.functional.mse_loss(model.call(query, template), labels);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>
    /// The model's balanced MSE and accuracy (output above 0.5 means "same") on <paramref name="pairs"/>, in eval
    /// mode (BatchNorm on its running statistics, so each output depends on its own pair only), in batches of 100.
    /// </summary>
    public static HeldOutScore Evaluate<TPair>(PairModel model, IPairSource<TPair> source, IReadOnlyList<TPair> pairs, Device device)
    {
        using var _ = no_grad();
        model.eval();
        try
        {
            double squaredError = 0, correct = 0;
            foreach (var batch in pairs.Chunk(100))
            {
                using var scope = NewDisposeScope();
                var (query, template, labels) = source.ToTensors(batch, device);
                var output = model.call(query, template);
                squaredError += (output - labels).square().sum().item<float>();
                correct += output.gt(0.5f).eq(labels.gt(0.5f)).sum().item<long>();
            }
            return new HeldOutScore(pairs.Count, squaredError / pairs.Count, correct / pairs.Count);
        }
        finally { model.train(); }
    }

    /// <summary>The model's output for BB, BW, WB and WW, in eval mode (BatchNorm uses its running statistics), as the question checked it.</summary>
    public static IReadOnlyDictionary<string, float> Predict(PairModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        try { return PredictAll(model, imageSize, device); }
        finally { model.train(); }
    }

    /// <summary>
    /// The output for BB, BW, WB and WW as one training-mode batch: BatchNorm normalises with this
    /// balanced batch's statistics, as it did during training. The running statistics are restored
    /// afterwards, so the model is left exactly as it was.
    /// </summary>
    public static IReadOnlyDictionary<string, float> PredictWithBatchStatistics(PairModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var saved = model.named_buffers().Select(b => (b.buffer, copy: b.buffer.clone())).ToArray();
        model.train();
        try { return PredictAll(model, imageSize, device); }
        finally { foreach (var (buffer, copy) in saved) buffer.copy_(copy); }
    }

    private static IReadOnlyDictionary<string, float> PredictAll(PairModel model, int imageSize, Device device)
    {
        var pairs = ColourPair.All;
        var query = SolidImages.Batch(pairs.Select(p => p.Query).ToArray(), imageSize, device);
        var template = SolidImages.Batch(pairs.Select(p => p.Template).ToArray(), imageSize, device);
        var output = model.call(query, template).cpu().data<float>().ToArray();
        return pairs.Select((p, i) => (p.ToString(), output[i])).ToDictionary(x => x.Item1, x => x.Item2);
    }
}

public sealed class TrainingDivergedException(Experiment experiment, int epoch, int step, float loss)
    : Exception($"Experiment {experiment.Name} diverged at epoch {epoch + 1}, step {step + 1}: loss is {loss}. Lower the learning rate (now {experiment.LearningRate}).");
