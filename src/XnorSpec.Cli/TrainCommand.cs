using System.CommandLine;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>`train`: one experiment, settings from a profile with any of them overridden.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "Profile in fixtures/profiles whose base settings to start from.", DefaultValueFactory = _ => Profile.Seed };
        var head = new Option<FusionKind>("--head") { Description = "Fusion head.", DefaultValueFactory = _ => FusionKind.Concat };
        var labels = new Option<LabelRule>("--labels") { Description = "Label rule.", DefaultValueFactory = _ => LabelRule.SameColour };
        var batch = new Option<int?>("--batch-size") { Description = "Pairs per step." };
        var lr = new Option<double?>("--lr") { Description = "SGD learning rate." };
        var momentum = new Option<double?>("--momentum") { Description = "SGD momentum." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs." };
        var pairs = new Option<int?>("--pairs") { Description = "Pairs per epoch." };
        var size = new Option<int?>("--image-size") { Description = "Image side in pixels." };
        var seed = new Option<long?>("--seed") { Description = "Seed for weights and data." };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var command = new Command("train", "Train one experiment and print its loss per epoch.")
        {
            profile, head, labels, batch, lr, momentum, epochs, pairs, size, seed, device,
        };
        command.SetAction(parsed =>
        {
            var settings = Profile.Load(parsed.GetValue(profile)!).Settings;
            var experiment = settings with
            {
                Head = parsed.GetValue(head), Labels = parsed.GetValue(labels),
                BatchSize = parsed.GetValue(batch) ?? settings.BatchSize, LearningRate = parsed.GetValue(lr) ?? settings.LearningRate,
                Momentum = parsed.GetValue(momentum) ?? settings.Momentum, Epochs = parsed.GetValue(epochs) ?? settings.Epochs,
                Pairs = parsed.GetValue(pairs) ?? settings.Pairs, ImageSize = parsed.GetValue(size) ?? settings.ImageSize,
                Seed = parsed.GetValue(seed) ?? settings.Seed,
            };
            var chosen = Devices.Resolve(parsed.GetValue(device));
            Console.WriteLine($"{experiment.Name} on {chosen}: {experiment}");
            int lastEpoch = -1;
            var result = Trainer.Run(experiment, chosen, new SyncProgress<StepReport>(r =>
            {
                if (r.Step == r.StepsPerEpoch - 1 && r.Epoch != lastEpoch) { lastEpoch = r.Epoch; Console.WriteLine($"epoch {r.Epoch + 1}: last step loss {r.Loss:F6}"); }
            }));
            Console.WriteLine($"epoch means: {string.Join(" ", result.EpochLosses.Select(l => l.ToString("F4")))}");
            Console.WriteLine($"final loss {result.FinalLoss:F6}; predictions {string.Join(" ", result.Predictions.Select(p => $"{p.Key}={p.Value:F3}"))}; {result.Seconds:F1} s");
            return 0;
        });
        return command;
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
