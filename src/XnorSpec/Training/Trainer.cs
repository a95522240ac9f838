using System.Diagnostics;
using TorchSharp;
using XnorSpec.Data;
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
    /// <summary>Builds a fresh model from the experiment's seed and trains it on <paramref name="source"/>'s pairs (the experiment's data).</summary>
    public static TrainingResult Run(Experiment experiment, PairSource source, Device? device = null, IProgress<StepReport>? progress = null, CancellationToken cancel = default)
    {
        if (source.Data != experiment.Data)
            throw new ArgumentException($"Experiment {experiment.Name} trains on {experiment.Data} pairs, but the source given holds {source.Data} pairs.", nameof(source));
        source.Accept(experiment); // refused before a model is built; the source's Train checks again for callers that bring their own model
        NativeBackend.EnsureLoaded();
        device ??= CPU;
        var model = NewModel(experiment, device);
        try { return source.Train(model, experiment, device, progress, cancel); }
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

    /// <summary>
    /// The question's loop on any source of pairs: per epoch, every batch once in the source's order, SGD on
    /// every parameter against the MSE, one dispose scope per step. Returns the losses; no predictions.
    /// <paramref name="afterEpoch"/> runs after each finished epoch (with its index), e.g. to score held-out pairs;
    /// <paramref name="profile"/>, when given, is told how long each phase of each step took.
    /// </summary>
    public static TrainingResult Fit<TPair>(ComparisonModel model, Experiment experiment, IPairBatches<TPair> data, Device device, IProgress<StepReport>? progress = null,
        CancellationToken cancel = default, Action<int>? afterEpoch = null, StepProfile? profile = null)
    {
        experiment.Validated();
        // SmallCnn's layers are too small to split: a quick-profile step takes about 12 ms on one
        // libtorch thread and 18 ms on two, so it trains on one (and so replays bit for bit whatever
        // the process's thread count). ResNet18 uses every thread the process has.
        using var oneThread = experiment.Encoder is EncoderKind.SmallCnn or EncoderKind.SmallCnnGroupNorm or EncoderKind.TinyCnn ? NativeBackend.UseThreads(1) : null;
        NativeMemory.KeepFreedBlocksBetweenSteps();
        CheckFirstBatch(model, data, experiment.BatchSize, device); // before the model's parameters are touched
        using var flat = FlatParameters.Of(model);
        using var optimizer = optim.SGD(flat is null ? model.parameters() : [flat.Flat], experiment.LearningRate, experiment.Momentum);
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
                profile?.BeginEpoch(epoch);
                foreach (var batch in data.Batches(epoch, experiment.BatchSize))
                {
                    profile?.Mark(StepPhase.Data); // drawing the batch's pairs
                    if (cancel.IsCancellationRequested) { completed = false; break; }
                    float loss = Step(model, optimizer, data, batch, device, profile);
                    if (!float.IsFinite(loss))
                        throw new TrainingDivergedException(experiment, epoch, step, loss);
                    stepLosses.Add(loss);
                    progress?.Report(new StepReport(epoch, step, stepsPerEpoch, loss));
                    step++;
                    profile?.EndStep();
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

        return new TrainingResult(experiment, stepLosses.ToArray(), stepsPerEpoch, clock.Elapsed.TotalSeconds, completed)
            { Model = model as PairModel, LiveTensorsAfterEpoch = liveTensors, ResidentBytesAfterEpoch = residentBytes };
    }

    private static float Step<TPair>(ComparisonModel model, optim.Optimizer optimizer, IPairBatches<TPair> data, IReadOnlyList<TPair> batch, Device device, StepProfile? profile)
    {
        using var scope = NewDisposeScope();
        var (query, template, labels) = data.ToTensors(batch, device);
        profile?.Mark(StepPhase.Data);
        optimizer.zero_grad();
        profile?.Mark(StepPhase.Optimiser);
        var loss = nn.functional.mse_loss(sigmoid(model.LogitOfCheckedInputs(query, template)), labels);
        profile?.Mark(StepPhase.Forward);
        loss.backward();
        profile?.Mark(StepPhase.Backward);
        optimizer.step();
        profile?.Mark(StepPhase.Optimiser);
        return loss.item<float>();
    }

    // A run's batches share their shape (but for the last one's size), dtype and device, and hold finite pixels (uint8
    // images over 255, or solid colours), so the model's input checks, a pass over the pixels and a read of its result
    // for each tower, run once, on the first batch, instead of every step.
    private static void CheckFirstBatch<TPair>(ComparisonModel model, IPairBatches<TPair> data, int batchSize, Device device)
    {
        var first = data.Batches(0, batchSize).FirstOrDefault();
        if (first is null) return;
        using var scope = NewDisposeScope();
        var (query, template, _) = data.ToTensors(first, device);
        model.CheckInputs(query, template);
    }

    /// <summary>
    /// The model's balanced MSE and accuracy (output above 0.5 means "same") on <paramref name="pairs"/>, in eval
    /// mode (BatchNorm on its running statistics, so each output depends on its own pair only), in batches of 100.
    /// </summary>
    public static HeldOutScore Evaluate<TPair>(ComparisonModel model, IPairBatches<TPair> source, IReadOnlyList<TPair> pairs, Device device)
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
}

public sealed class TrainingDivergedException(Experiment experiment, int epoch, int step, float loss)
    : Exception($"Experiment {experiment.Name} diverged at epoch {epoch + 1}, step {step + 1}: loss is {loss}. Lower the learning rate (now {experiment.LearningRate}).");
