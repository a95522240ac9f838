using XnorSpec.Sources;
using System.CommandLine;
using System.Globalization;
using XnorSpec.Files;
using XnorSpec.Runtime;

namespace XnorSpec.Tools;

/// <summary>`compare`: XnorSpec's outputs against PyTorch's for the same weights and inputs (the cross-engine evidence).</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An XnorSpec model file or a PyTorch state_dict (with --head).", Required = true };
        var outputs = new Option<string>("--outputs") { Description = "The outputs PyTorch computed: a file written by src/bench/question_model.py's outputs().", Required = true };
        var tolerance = Options.OptionalNumber<double>("--tolerance", "Largest absolute difference of a logit or an output that counts as equal. Default: 1e-4.");
        var reading = Options.PyTorchReading();
        var command = new Command("compare", """
            Compare XnorSpec's logits and outputs with those PyTorch computed for the same weights and
            inputs, in eval mode and in training mode (BatchNorm on the batch); print the largest
            differences. Exit code 0: all within --tolerance; 1: not. Made for
            src/bench/compare_with_pytorch.sh, which runs the question's class in PyTorch first.

            Examples:
              xnor-spec-tools compare --model fixtures/pytorch/twin-product.pt --head Product --outputs fixtures/pytorch/twin-product.outputs.pt
            """)
        { model, outputs, tolerance, reading.Head, reading.Encoder };
        command.SetAction(parsed =>
        {
            var limit = parsed.GetValue(tolerance) ?? 1e-4;
            if (!double.IsFinite(limit) || limit < 0) throw new ArgumentException($"--tolerance {limit} is invalid; accepted: a number >= 0.");
            // CPU, as the PyTorch side ran: the comparison is of the two engines, not of two devices.
            var (pairModel, _, _) = AnyModelFile.Load(parsed.GetValue(model)!, new PyTorchReading(parsed.GetValue(reading.Head), parsed.GetValue(reading.Encoder)), TorchSharp.torch.CPU);
            using var __ = pairModel;
            var result = PyTorchComparison.Of(pairModel, parsed.GetValue(outputs)!);
            string E(double x) => x.ToString("0.00E+00", CultureInfo.InvariantCulture);
            Console.WriteLine($"{result.Rows} pairs; largest |XnorSpec - PyTorch|:");
            Console.WriteLine($"  eval mode:     logit {E(result.EvalLogit)}, output {E(result.EvalOutput)}");
            Console.WriteLine($"  training mode: logit {E(result.TrainLogit)}, output {E(result.TrainOutput)}  (BatchNorm on batches of {PyTorchComparison.TrainBatch})");
            bool same = result.Largest <= limit;
            Console.WriteLine(same ? $"same within {E(limit)}" : $"DIFFERENT: {E(result.Largest)} > {E(limit)}");
            return same ? ExitCodes.Success : ExitCodes.RunFailed;
        });
        return command;
    }
}
