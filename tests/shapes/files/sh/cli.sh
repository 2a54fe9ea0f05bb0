aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id LTAI9MFO0WjypiCLE45BSpD0 --access-key-secret N4h22vRBmqPIHVBr1dvZXSLS4oKcZp
