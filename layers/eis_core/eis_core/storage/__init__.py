"""Storage ports (protocols) and their adapters. Only this package touches boto3."""
