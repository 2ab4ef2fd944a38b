using System;
using QuantGen.Samples.Digits;

var model = new DigitsFloat();
Console.WriteLine($"{model.Name} {model.InputLength} {model.OutputLength} {model.WeightBytes}");
