using TorchSharp;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>
/// The largest differences between XnorSpec's outputs and PyTorch's for the same weights and inputs.
/// The outputs file is a torch.save'd dictionary written by src/bench/question_model.py's
/// <c>outputs</c>: query and template images [N, 3, S, S], and the question's class's logits and
/// outputs in eval mode (all rows) and in training mode (rows 0-3 as one batch, 4-7 as another:
/// BatchNorm on each batch's statistics).
/// </summary>
public sealed record PyTorchComparison(int Rows, double EvalLogit, double EvalOutput, double TrainLogit, double TrainOutput)
{
    /// <summary>The rows of each training-mode batch, as question_model.py computes them.</summary>
    public const int TrainBatch = 4;

    public double Largest => new[] { EvalLogit, EvalOutput, TrainLogit, TrainOutput }.Max();

    public static PyTorchComparison Of(PairModel model, string outputsPath)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var pytorch = PyTorchFile.ReadTensors(outputsPath);
        string[] names = ["query", "template", "eval_logit", "eval_output", "train_logit", "train_output"];
        var missing = names.Where(n => !pytorch.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new BadFileException(outputsPath, $"not an outputs file: it lacks {string.Join(", ", missing)}",
                "Write one with src/bench/question_model.py's outputs(), as fixtures/pytorch/make_twin.py and src/bench/compare_with_pytorch.py do.");
        var device = model.parameters().First().device;
        var query = pytorch["query"].to(float32).to(device);
        var template = pytorch["template"].to(float32).to(device);
        long rows = query.shape[0];
        if (rows % TrainBatch != 0 || template.shape[0] != rows)
            throw new BadFileException(outputsPath, $"has {rows} query and {template.shape[0]} template rows; a multiple of {TrainBatch} of each is expected", "Write it again with question_model.py.");

        model.eval();
        var evalLogit = model.Logit(query, template);
        // Training mode on a snapshot of the BatchNorm buffers, as PyTorch ran it on a copy of its model.
        var saved = model.named_buffers().Select(b => (b.buffer, copy: b.buffer.clone())).ToArray();
        Tensor trainLogit;
        try
        {
            var batches = new List<Tensor>();
            for (long start = 0; start < rows; start += TrainBatch)
            {
                foreach (var (buffer, copy) in saved) buffer.copy_(copy);
                model.train();
                batches.Add(model.Logit(query[TensorIndex.Slice(start, start + TrainBatch)], template[TensorIndex.Slice(start, start + TrainBatch)]));
            }
            trainLogit = cat(batches, 0);
        }
        finally
        {
            foreach (var (buffer, copy) in saved) buffer.copy_(copy);
            model.eval();
        }

        double Largest(Tensor ours, string key) => (ours.cpu().to(float64) - pytorch[key].to(float64)).abs().max().item<double>();
        return new PyTorchComparison((int)rows, Largest(evalLogit, "eval_logit"), Largest(sigmoid(evalLogit), "eval_output"),
            Largest(trainLogit, "train_logit"), Largest(sigmoid(trainLogit), "train_output"));
    }
}
